/*
 * The canvass screens as one chunk: they share most of their code, and the first screen's router then names
 * one chunk for them rather than three (its download budget is tight).
 */
export { default as CanvassStart } from './CanvassStart.vue'
export { default as CanvassView } from './CanvassView.vue'
export { default as CanvassAnswerSheet } from './CanvassAnswerSheet.vue'
