import type { Household, Resident } from './households'

/*
 * How the phone's search boxes match, apart from any schema so that screens import it without zod. A
 * leader types what they remember: part of a name, the last digits of a phone number, a room, a few words
 * of a report. Chinese has no word boundaries, so text matches where it contains the query.
 */

/**
 * Text as search compares it: NFKC turns full-width digits and letters (what a Chinese keyboard may type,
 * ３０２) into plain ones, case is ignored, and spaces do not count (南门路 115号 = 南门路115号).
 */
export function searchable(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
}

/** Whether `text` contains the query, as search compares text; an empty query matches nothing. */
export function textContains(text: string, query: string): boolean {
  const wanted = searchable(query)
  return wanted !== '' && searchable(text).includes(wanted)
}

/** Fewer digits than this match too many numbers to mean one. */
const PHONE_MIN_DIGITS = 3

/**
 * Whether a phone number contains the digits of the query, whatever separates them (138-0013 8000,
 * +86 138…). Only a query of digits (and separators), at least three of them, is taken as a number.
 */
export function phoneContains(phone: string | null, query: string): boolean {
  const typed = query.normalize('NFKC')
  if (!phone || !/^[\d\s+\-()]+$/.test(typed)) return false
  const digits = typed.replace(/\D/g, '')
  return digits.length >= PHONE_MIN_DIGITS && phone.replace(/\D/g, '').includes(digits)
}

/**
 * Whether a household answers a search, and for which of its residents: the residents whose name or phone
 * matches (an empty list when the household matches by its room or address alone), or null for no match.
 * Residents who have moved out are never found.
 */
export function matchHousehold(
  query: string,
  place: { address: string; household: Pick<Household, 'unit' | 'entrance'> },
  residents: readonly Resident[],
): Resident[] | null {
  const found = residents.filter((r) => !r.movedOutAt && (textContains(r.name, query) || phoneContains(r.phone, query)))
  if (found.length) return found
  return householdNames(place).some((name) => textContains(name, query)) ? [] : null
}

/** The ways a flat is written: the room alone (302), or with its entrance or address before it (2-302, 南门路115号302). */
export function householdNames({ address, household }: { address: string; household: Pick<Household, 'unit' | 'entrance'> }): string[] {
  return [household.unit, `${household.entrance}-${household.unit}`, `${address}${household.unit}`, `${address}${household.entrance}${household.unit}`]
}
