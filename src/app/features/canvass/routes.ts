import type { RouteRecordRaw } from 'vue-router'

/** The leader's canvass screens: opening one on a building, its grid, and each household's answer sheet. */
export const canvassRoutes: RouteRecordRaw[] = [
  { path: '/canvasses/new', name: 'canvass-new', component: () => import('./CanvassStart.vue'), meta: { messages: ['canvass'] } },
  { path: '/canvasses/:id', name: 'canvass', component: () => import('./CanvassView.vue'), props: true, meta: { messages: ['canvass'] } },
  {
    path: '/canvasses/:id/households/:householdId',
    name: 'canvass-answer',
    component: () => import('./CanvassAnswerSheet.vue'),
    props: true,
    meta: { messages: ['canvass', 'account'] },
  },
]
