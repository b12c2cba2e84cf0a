import type { MenteeView, MentorNote, MentorNoteSubject } from '@/domain'

/** One row of a mentee's work as the mentor's screen lists it, with what a note on it is about. */
export interface MenteeRow {
  subject: MentorNoteSubject
  buildingId: string
  /** Where it is: 桥湖路32号 3单元301, or the report's title. */
  title: string
  notes: MentorNote[]
}

export type FollowUpRow = MenteeRow & { item: MenteeView['followUps'][number] }
export type DueRow = MenteeRow & { item: MenteeView['dueHouseholds'][number] }
export type ReportRow = MenteeRow & { item: MenteeView['openReports'][number] }

/** The three lists of the mentor's screen, each row with the notes made on it (`notes` newest first). */
export function menteeRows(view: MenteeView, notes: readonly MentorNote[]) {
  const addresses = new Map(view.mentee.buildings.map((b) => [b.id, b.address]))
  const where = (buildingId: string, place: string) => [addresses.get(buildingId), place].filter(Boolean).join(' ')
  const on = (subject: MentorNoteSubject) => notes.filter((n) => n.subject.kind === subject.kind && n.subject.id === subject.id)
  const row = (subject: MentorNoteSubject, buildingId: string, title: string): MenteeRow => ({ subject, buildingId, title, notes: on(subject) })
  return {
    followUps: view.followUps.map((item): FollowUpRow => ({ ...row({ kind: 'visit', id: item.visitId }, item.buildingId, where(item.buildingId, item.place)), item })),
    due: view.dueHouseholds.map((item): DueRow => ({ ...row({ kind: 'household', id: item.householdId }, item.buildingId, where(item.buildingId, item.place)), item })),
    reports: view.openReports.map((item): ReportRow => ({ ...row({ kind: 'issue', id: item.id }, item.buildingId, item.title), item })),
  }
}
