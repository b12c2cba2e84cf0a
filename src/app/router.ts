import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import HomeView from './features/home/HomeView.vue'

/** Home is in the first chunk; every other screen is its own chunk, precached by the service worker. */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/buildings', name: 'buildings', component: () => import('./features/households/BuildingList.vue') },
  { path: '/buildings/:buildingId', name: 'building', component: () => import('./features/households/BuildingDetail.vue'), props: true },
  { path: '/households/:householdId', name: 'household', component: () => import('./features/households/HouseholdDetail.vue'), props: true },
  { path: '/visits', name: 'visits', component: () => import('./features/visits/VisitList.vue') },
  { path: '/visits/new', name: 'visit-new', component: () => import('./features/visits/VisitEdit.vue') },
  { path: '/visits/:id', name: 'visit', component: () => import('./features/visits/VisitDetail.vue'), props: true },
  { path: '/visits/:id/edit', name: 'visit-edit', component: () => import('./features/visits/VisitEdit.vue'), props: true },
  { path: '/issues', name: 'issues', component: () => import('./features/issues/IssueList.vue') },
  { path: '/issues/new', name: 'issue-new', component: () => import('./features/issues/IssueEdit.vue') },
  { path: '/issues/:id', name: 'issue', component: () => import('./features/issues/IssueDetail.vue'), props: true },
  { path: '/issues/:id/edit', name: 'issue-edit', component: () => import('./features/issues/IssueEdit.vue'), props: true },
  { path: '/inspections', name: 'inspections', component: () => import('./features/inspections/InspectionList.vue') },
  { path: '/inspections/new', name: 'inspection-new', component: () => import('./features/inspections/InspectionStart.vue') },
  { path: '/inspections/:id', name: 'inspection', component: () => import('./features/inspections/InspectionChecklist.vue'), props: true },
  { path: '/inspections/:id/summary', name: 'inspection-summary', component: () => import('./features/inspections/InspectionSummary.vue'), props: true },
  { path: '/settings', name: 'settings', component: () => import('./features/settings/SettingsView.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export function createAppRouter() {
  return createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes })
}
