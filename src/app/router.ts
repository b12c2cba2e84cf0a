import { createRouter, createWebHistory, type RouteRecordRaw, type RouterScrollBehavior } from 'vue-router'
import { loadMessages, type LazyMessages } from './i18n'
import HomeView from './features/home/HomeView.vue'
import { canvassRoutes } from './features/canvass/routes'
import { mediationRoutes } from './features/mediation/routes'

/** Home is in the first chunk; every other screen is its own chunk, precached by the service worker. */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/buildings', name: 'buildings', component: () => import('./features/households/BuildingList.vue'), meta: { messages: ['households'] } },
  { path: '/buildings/:buildingId', name: 'building', component: () => import('./features/households/BuildingDetail.vue'), props: true, meta: { messages: ['households'] } },
  { path: '/households/:householdId', name: 'household', component: () => import('./features/households/HouseholdDetail.vue'), props: true, meta: { messages: ['households'] } },
  { path: '/worklist', name: 'worklist', component: () => import('./features/worklist/WorklistView.vue'), meta: { messages: ['worklist'] } },
  { path: '/visits', name: 'visits', component: () => import('./features/visits/VisitList.vue'), meta: { messages: ['visits'] } },
  { path: '/visits/new', name: 'visit-new', component: () => import('./features/visits/VisitEdit.vue'), meta: { messages: ['visits'] } },
  { path: '/visits/:id', name: 'visit', component: () => import('./features/visits/VisitDetail.vue'), props: true, meta: { messages: ['visits', 'account'] } },
  { path: '/visits/:id/edit', name: 'visit-edit', component: () => import('./features/visits/VisitEdit.vue'), props: true, meta: { messages: ['visits'] } },
  { path: '/issues', name: 'issues', component: () => import('./features/issues/IssueList.vue'), meta: { messages: ['issues'] } },
  { path: '/issues/new', name: 'issue-new', component: () => import('./features/issues/IssueEdit.vue'), meta: { messages: ['issues'] } },
  { path: '/issues/:id', name: 'issue', component: () => import('./features/issues/IssueDetail.vue'), props: true, meta: { messages: ['issues', 'account'] } },
  { path: '/issues/:id/edit', name: 'issue-edit', component: () => import('./features/issues/IssueEdit.vue'), props: true, meta: { messages: ['issues'] } },
  { path: '/inspections', name: 'inspections', component: () => import('./features/inspections/InspectionList.vue'), meta: { messages: ['inspections'] } },
  { path: '/inspections/new', name: 'inspection-new', component: () => import('./features/inspections/InspectionStart.vue'), meta: { messages: ['inspections'] } },
  { path: '/inspections/:id', name: 'inspection', component: () => import('./features/inspections/InspectionChecklist.vue'), props: true, meta: { messages: ['inspections'] } },
  { path: '/inspections/:id/summary', name: 'inspection-summary', component: () => import('./features/inspections/InspectionSummary.vue'), props: true, meta: { messages: ['inspections', 'account'] } },
  ...canvassRoutes,
  ...mediationRoutes,
  { path: '/campaigns/:id', name: 'campaign', component: () => import('./features/campaigns/CampaignTasks.vue'), props: true, meta: { messages: ['campaigns'] } },
  { path: '/settings', name: 'settings', component: () => import('./features/settings/SettingsView.vue'), meta: { messages: ['settings', 'account', 'lock', 'pwaCards', 'points'] } },
  { path: '/signin', name: 'signin', component: () => import('./features/session/SessionSignIn.vue'), meta: { messages: ['account', 'pwaCards'] } },
  { path: '/password', name: 'password', component: () => import('./features/session/SessionChangePassword.vue'), meta: { messages: ['account'] } },
  {
    // The office's workspace on a desk: its own layout (no tab bar), Element Plus, each page its own chunk.
    path: '/office',
    component: () => import('./features/office/OfficeLayout.vue'),
    meta: { messages: ['office', 'issues', 'account', 'officeDevices', 'points'] },
    children: [
      { path: '', name: 'office', component: () => import('./features/office/OfficeIssues.vue') },
      { path: 'issues/:id', name: 'office-issue', component: () => import('./features/office/OfficeIssue.vue'), props: true },
      { path: 'residents', name: 'office-residents', component: () => import('./features/office/OfficeResidents.vue'), meta: { messages: ['households'] } },
      { path: 'people', name: 'office-people', component: () => import('./features/office/OfficePeople.vue') },
      { path: 'templates', name: 'office-templates', component: () => import('./features/office/templates/OfficeTemplates.vue'), meta: { messages: ['inspections', 'officeTemplates'] } },
      { path: 'campaigns', name: 'office-campaigns', component: () => import('./features/office/campaigns/OfficeCampaigns.vue'), meta: { messages: ['campaigns'] } },
      { path: 'campaigns/:id', name: 'office-campaign', component: () => import('./features/office/campaigns/OfficeCampaign.vue'), props: true, meta: { messages: ['campaigns'] } },
      { path: 'canvasses', meta: { messages: ['officeCanvass', 'canvassTally'] }, children: [{ path: '', name: 'office-canvasses', component: () => import('./features/office/canvasses/OfficeCanvasses.vue') }, { path: ':id', name: 'office-canvass', component: () => import('./features/office/canvasses/OfficeCanvass.vue'), props: true }] },
      { path: 'mediations', meta: { messages: ['mediation'] }, children: [{ path: '', name: 'office-mediations', component: () => import('./features/office/mediations/OfficeMediations.vue') }, { path: ':id', name: 'office-mediation', component: () => import('./features/office/mediations/OfficeMediation.vue'), props: true }] },
      { path: 'communities', name: 'office-communities', component: () => import('./features/office/OfficeCommunities.vue') },
      { path: 'coverage', name: 'office-coverage', component: () => import('./features/office/OfficeCoverage.vue'), meta: { messages: ['officeCoverage'] } },
      { path: 'devices', name: 'office-devices', component: () => import('./features/office/devices/OfficeDevices.vue') },
      { path: 'report', name: 'office-report', component: () => import('./features/office/report/OfficeReport.vue'), meta: { messages: ['officeReport'] } },
      { path: 'audit', name: 'office-audit', component: () => import('./features/office/audit/OfficeAudit.vue') },
      { path: 'points', name: 'office-points', component: () => import('./features/office/points/OfficePoints.vue') },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

declare module 'vue-router' {
  interface RouteMeta {
    /** The lazily loaded words the screen shows, merged into i18n before it renders. */
    messages?: LazyMessages[]
  }
}

/** How long back waits for a screen's records to fill it out to where the leader had scrolled. */
const RESTORE_WAIT_MS = 1500

/**
 * The window is what scrolls (AppPage has no scrolling container of its own). A new screen starts at its
 * top, so that its first action is in view; back and forward return to where the screen was left. A
 * screen's records arrive from live queries after it mounts (a list grows page by page as it nears its
 * end), so a saved position waits until the page is tall enough to hold it, or for a short while. A filter
 * change (same path, new query) keeps the place.
 */
const scrollBehavior: RouterScrollBehavior = (to, from, savedPosition) => {
  if (savedPosition) {
    const wanted = savedPosition.top ?? 0
    const until = performance.now() + RESTORE_WAIT_MS
    return new Promise((resolve) => {
      const check = () => {
        if (document.documentElement.scrollHeight >= wanted + window.innerHeight || performance.now() > until) resolve(savedPosition)
        else requestAnimationFrame(check)
      }
      check()
    })
  }
  if (to.path === from.path) return false
  return { top: 0 }
}

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes, scrollBehavior })
  router.beforeResolve((to) => loadMessages(to.matched.flatMap((record) => record.meta.messages ?? [])))
  return router
}
