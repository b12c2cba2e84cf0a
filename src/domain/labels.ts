/*
 * How a place is named wherever people read it: on the phone, in the workspace, in the files the office
 * exports. Zod-free, so that the first screen may use it.
 */

/** A building: its address, and its local name where it has one (南门路115号之二 · 老粮站宿舍). */
export function buildingLabel(building: { address: string; name?: string | null }): string {
  return building.name ? `${building.address} · ${building.name}` : building.address
}

/** Digits and the separators people write between them; anything else in a number field is not shown in part. */
const PHONE_LIKE = /^[\d\s+\-()]+$/
/** A list never shows fewer hidden digits than this, so that no one number can be read off a screen. */
const HIDDEN_DIGITS = 4

/**
 * A resident's phone number as lists show it (138****8841): enough to tell two residents apart, not enough
 * to call. A mobile-length number (11 digits and up) keeps its first three (the carrier's prefix, not the
 * person's), every number at most its last four, and at least four digits are always hidden, so a short
 * landline shows fewer (5551234 → ****234). Separators stay where they were (138-****-8000); a value that is
 * not a number at all is hidden whole. The full number is for the household page, on tap.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  if (!PHONE_LIKE.test(phone)) return '*'.repeat(HIDDEN_DIGITS)
  const count = phone.replace(/\D/g, '').length
  if (count <= HIDDEN_DIGITS) return '*'.repeat(HIDDEN_DIGITS)
  const head = count >= 11 ? 3 : 0
  const tail = Math.min(4, count - head - HIDDEN_DIGITS)
  let seen = 0
  return phone.replace(/\d/g, (digit) => {
    seen += 1
    return seen <= head || seen > count - tail ? digit : '*'
  })
}

/** A `tel:` link for a number as people write it: spaces dropped, digits, + and - kept (RFC 3966). */
export const telHref = (phone: string): string => `tel:${phone.replace(/\s/g, '')}`
