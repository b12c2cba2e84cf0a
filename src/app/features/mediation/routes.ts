import type { RouteRecordRaw } from 'vue-router'

const screens = () => import('./screens')
const meta = { messages: ['mediation' as const, 'issues' as const] }

/** The leader's mediation screens: a new case of a building, and a case. */
export const mediationRoutes: RouteRecordRaw[] = [
  { path: '/mediations/new', name: 'mediation-new', component: () => screens().then((m) => m.MediationStart), meta },
  { path: '/mediations/:id', name: 'mediation', component: () => screens().then((m) => m.MediationView), props: true, meta },
]
