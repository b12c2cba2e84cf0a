import { createRouter, createWebHistory, type NavigationGuard, type RouteLocationNormalized, type RouteRecordRaw, type Router, type RouterHistory, type RouterScrollBehavior } from 'vue-router'
import { loadMessages, type LazyMessages } from './i18n'
import HomeView from './features/home/HomeView.vue'
import { canvassRoutes } from './features/canvass/routes'
import { mediationRoutes } from './features/mediation/routes'

/** The name of the stand-in for the office's routes until they are loaded. */
const OFFICE_PENDING = 'office-pending'

/** Home is in the first chunk; every other screen is its own chunk, precached by the service worker. */
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/buildings', name: 'buildings', component: () => import('./features/households/BuildingList.vue'), meta: { messages: ['households'] } },
  { path: '/buildings/:buildingId', name: 'building', component: () => import('./features/households/BuildingDetail.vue'), props: true, meta: { messages: ['households'] } },
  { path: '/households/:householdId', name: 'household', component: () => import('./features/households/HouseholdDetail.vue'), props: true, meta: { messages: ['households', 'sync'] } },
  { path: '/worklist', name: 'worklist', component: () => import('./features/worklist/WorklistView.vue'), meta: { messages: ['worklist'] } },
  { path: '/visits', name: 'visits', component: () => import('./features/visits/VisitList.vue'), meta: { messages: ['visits', 'sync'] } },
  { path: '/visits/new', name: 'visit-new', component: () => import('./features/visits/VisitEdit.vue'), meta: { messages: ['visits'] } },
  { path: '/visits/:id', name: 'visit', component: () => import('./features/visits/VisitDetail.vue'), props: true, meta: { messages: ['visits', 'account', 'sync'] } },
  { path: '/visits/:id/edit', name: 'visit-edit', component: () => import('./features/visits/VisitEdit.vue'), props: true, meta: { messages: ['visits'] } },
  { path: '/issues', name: 'issues', component: () => import('./features/issues/IssueList.vue'), meta: { messages: ['issues', 'sync'] } },
  { path: '/issues/new', name: 'issue-new', component: () => import('./features/issues/IssueEdit.vue'), meta: { messages: ['issues'] } },
  { path: '/issues/:id', name: 'issue', component: () => import('./features/issues/IssueDetail.vue'), props: true, meta: { messages: ['issues', 'account', 'sync'] } },
  { path: '/issues/:id/edit', name: 'issue-edit', component: () => import('./features/issues/IssueEdit.vue'), props: true, meta: { messages: ['issues'] } },
  { path: '/inspections', name: 'inspections', component: () => import('./features/inspections/InspectionList.vue'), meta: { messages: ['inspections', 'sync'] } },
  { path: '/inspections/new', name: 'inspection-new', component: () => import('./features/inspections/InspectionStart.vue'), meta: { messages: ['inspections'] } },
  { path: '/inspections/:id', name: 'inspection', component: () => import('./features/inspections/InspectionChecklist.vue'), props: true, meta: { messages: ['inspections', 'sync'] } },
  { path: '/inspections/:id/summary', name: 'inspection-summary', component: () => import('./features/inspections/InspectionSummary.vue'), props: true, meta: { messages: ['inspections', 'account', 'sync'] } },
  ...canvassRoutes,
  ...mediationRoutes,
  { path: '/mentees/:mentorshipId', name: 'mentee', component: () => import('./features/mentorship/MentorMentee.vue'), props: true, meta: { messages: ['mentorship'] } },
  { path: '/campaigns/:id', name: 'campaign', component: () => import('./features/campaigns/CampaignTasks.vue'), props: true, meta: { messages: ['campaigns'] } },
  { path: '/settings', name: 'settings', component: () => import('./features/settings/SettingsView.vue'), meta: { messages: ['settings', 'account', 'sync', 'lock', 'pwaCards', 'points'] } },
  { path: '/signin', name: 'signin', component: () => import('./features/session/SessionSignIn.vue'), meta: { messages: ['account', 'sync', 'pwaCards'] } },
  { path: '/password', name: 'password', component: () => import('./features/session/SessionChangePassword.vue'), meta: { messages: ['account'] } },
  // The office's routes (features/office/routes.ts) stand behind this until a path under /office is opened.
  // It has no view: `officeOnDemand` puts them in its place before anything renders.
  { path: '/office/:rest(.*)*', name: OFFICE_PENDING, components: {} },
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

/**
 * Adds the office's routes when a path under /office is first opened, then makes the same navigation again,
 * so that a deep link or a reload lands on its page. Opened by back or forward (the address bar is already
 * there), the second navigation replaces the history entry instead of adding one after it.
 */
function officeOnDemand(router: Router): NavigationGuard {
  return async (to) => {
    if (to.name !== OFFICE_PENDING) return
    const { officeRoutes } = await import('./features/office/routes')
    router.removeRoute(OFFICE_PENDING)
    router.addRoute(officeRoutes)
    return router.options.history.location === to.fullPath ? { path: to.fullPath, replace: true } : to.fullPath
  }
}

/** The app's router; tests pass a memory history. */
export function createAppRouter(history: RouterHistory = createWebHistory(import.meta.env.BASE_URL)) {
  const router = createRouter({ history, routes, scrollBehavior })
  router.beforeEach(officeOnDemand(router))
  // A screen's words load alongside its chunk, not after it: asked for as the navigation starts, and waited for
  // once its components are in (before, a cold start at /visits fetched the words only once the screen's chunks
  // and stylesheets were all in).
  const messagesOf = (to: RouteLocationNormalized) => to.matched.flatMap((record) => record.meta.messages ?? [])
  router.beforeEach((to) => {
    // A failure is for the wait below to report, with the navigation it fails.
    loadMessages(messagesOf(to)).catch(() => {})
  })
  router.beforeResolve((to) => loadMessages(messagesOf(to)))
  return router
}
