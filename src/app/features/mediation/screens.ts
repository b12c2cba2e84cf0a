/* The mediation screens as one chunk: they share their form and words. */
export { default as MediationStart } from './MediationStart.vue'
export { default as MediationView } from './MediationView.vue'
