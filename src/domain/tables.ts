/*
 * Sync's table names and keys, apart from the schemas in ./sync: the device's database module is on the
 * first screen, and a module that declares schemas brings zod with it wherever it is imported.
 */

/** Record types a leader's device creates and edits, and sync carries both ways. */
export const RECORD_TABLES = ['visits', 'issues', 'inspections', 'canvasses', 'canvassAnswers', 'mediations', 'mentorNotes'] as const
export type RecordTable = (typeof RECORD_TABLES)[number]

/** The id of one template version on the wire and the device: templates are kept per version (the server adds the community). */
export function templateRowId(templateId: string, version: number): string {
  return `${templateId}@${version}`
}
