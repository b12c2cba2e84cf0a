import type { Visit, VisitFields, VisitPurpose } from '@/domain'
import { localDay } from '@/domain/follow-up'

/**
 * What the visit form holds while the leader types: the visit's fields, except that no purpose is
 * chosen yet. Plain JSON, because it is stored as a draft as it is.
 */
export type VisitDraft = Omit<VisitFields, 'purpose'> & { purpose: VisitPurpose | '' }

/** A fresh visit, now, at the given household if the form was opened from one. */
export function emptyVisitDraft(place: { buildingId: string; householdId: string } | null, now = new Date()): VisitDraft {
  return {
    buildingId: place?.buildingId ?? '',
    householdId: place?.householdId ?? '',
    visitedAt: now.toISOString(),
    purpose: '',
    topics: [],
    residentIds: [],
    othersMet: '',
    needs: '',
    outcome: '',
    followUpOn: null,
    followsVisitId: null,
    photos: [],
  }
}

/** The editable fields of a saved visit. */
export function visitDraftOf(visit: Visit): VisitDraft {
  const { buildingId, householdId, visitedAt, purpose, topics, residentIds, othersMet, needs, outcome, followUpOn, followsVisitId, photos } = visit
  return { buildingId, householdId, visitedAt, purpose, topics, residentIds, othersMet, needs, outcome, followUpOn, followsVisitId, photos }
}

/** A stored timestamp as the value of an `<input type="datetime-local">`, in the leader's time zone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso)
  if (!iso || Number.isNaN(date.getTime())) return ''
  const time = [date.getHours(), date.getMinutes()].map((n) => String(n).padStart(2, '0')).join(':')
  return `${localDay(date)}T${time}`
}

/** The value of an `<input type="datetime-local">` as a stored timestamp; empty stays empty (and fails validation). */
export function fromLocalInput(value: string): string {
  const date = new Date(value)
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : ''
}
