import type { RouteRecordRaw } from 'vue-router'

const screens = () => import('./screens')
const meta = { messages: ['canvass' as const] }

/** The leader's canvass screens: opening one on a building, its grid, and each household's answer sheet. */
export const canvassRoutes: RouteRecordRaw[] = [
  { path: '/canvasses/new', name: 'canvass-new', component: () => screens().then((m) => m.CanvassStart), meta },
  { path: '/canvasses/:id', name: 'canvass', component: () => screens().then((m) => m.CanvassView), props: true, meta },
  { path: '/canvasses/:id/households/:householdId', name: 'canvass-answer', component: () => screens().then((m) => m.CanvassAnswerSheet), props: true, meta },
]
