import type { RouteRecordRaw } from 'vue-router'

/**
 * The office's workspace on a desk: its own layout (no tab bar), Element Plus, each page its own chunk. The
 * router adds this subtree when a path under /office is first opened (see `officeOnDemand` in router.ts),
 * so that the leader's first screen does not carry it.
 */
export const officeRoutes: RouteRecordRaw = {
  path: '/office',
  component: () => import('./OfficeLayout.vue'),
  meta: { messages: ['office', 'issues', 'account', 'sync', 'officeDevices', 'points', 'mentorship'] },
  children: [
    { path: '', name: 'office', component: () => import('./OfficeIssues.vue') },
    { path: 'issues/:id', name: 'office-issue', component: () => import('./OfficeIssue.vue'), props: true },
    { path: 'residents', name: 'office-residents', component: () => import('./OfficeResidents.vue'), meta: { messages: ['households'] } },
    { path: 'people', name: 'office-people', component: () => import('./OfficePeople.vue') },
    { path: 'templates', name: 'office-templates', component: () => import('./templates/OfficeTemplates.vue'), meta: { messages: ['inspections', 'officeTemplates'] } },
    { path: 'campaigns', name: 'office-campaigns', component: () => import('./campaigns/OfficeCampaigns.vue'), meta: { messages: ['campaigns'] } },
    { path: 'campaigns/:id', name: 'office-campaign', component: () => import('./campaigns/OfficeCampaign.vue'), props: true, meta: { messages: ['campaigns'] } },
    { path: 'canvasses', meta: { messages: ['officeCanvass', 'canvassTally'] }, children: [{ path: '', name: 'office-canvasses', component: () => import('./canvasses/OfficeCanvasses.vue') }, { path: ':id', name: 'office-canvass', component: () => import('./canvasses/OfficeCanvass.vue'), props: true }] },
    { path: 'mediations', meta: { messages: ['mediation'] }, children: [{ path: '', name: 'office-mediations', component: () => import('./mediations/OfficeMediations.vue') }, { path: ':id', name: 'office-mediation', component: () => import('./mediations/OfficeMediation.vue'), props: true }] },
    { path: 'communities', name: 'office-communities', component: () => import('./OfficeCommunities.vue') },
    { path: 'coverage', name: 'office-coverage', component: () => import('./OfficeCoverage.vue'), meta: { messages: ['officeCoverage'] } },
    { path: 'devices', name: 'office-devices', component: () => import('./devices/OfficeDevices.vue') },
    { path: 'report', name: 'office-report', component: () => import('./report/OfficeReport.vue'), meta: { messages: ['officeReport'] } },
    { path: 'audit', name: 'office-audit', component: () => import('./audit/OfficeAudit.vue') },
    { path: 'points', name: 'office-points', component: () => import('./points/OfficePoints.vue') },
    { path: 'mentorships', name: 'office-mentorships', component: () => import('./mentorships/OfficeMentorships.vue') },
    // A page the office does not have (an old bookmark, a typo) opens its list of reports, not the leader's home.
    { path: ':unknown(.*)*', redirect: { name: 'office' } },
  ],
}
