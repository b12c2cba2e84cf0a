import type { User } from '@/domain'
import type { DoorstepDatabase } from '@/app/db/database'
import type { SyncTransport } from './transport'

/**
 * A mentor's copy of each mentee's worklist and open reports (老带新, MenteeView): the server makes it at each
 * ask, and the phone keeps the last one so that the mentor reads it offline. It is replaced whole in one
 * transaction: an empty answer means no pairing lasts, and the copies go with it. Written only while `token` is
 * still the stored one: a sign-out (or the office's wipe) while the request was out has emptied the phone, and
 * a late answer must not put a mentee's households back on it. Only a leader has mentees: others never ask.
 */
export async function refreshMenteeViews(db: DoorstepDatabase, transport: SyncTransport, token: string): Promise<void> {
  const user = (await db.meta.get('user'))?.value
  if (!user || (JSON.parse(user) as Pick<User, 'role'>).role !== 'leader') return
  const views = await transport.mentees()
  await db.transaction('rw', db.meta, db.menteeViews, async () => {
    if ((await db.meta.get('token'))?.value !== token) return
    await db.menteeViews.clear()
    await db.menteeViews.bulkPut(views)
  })
}
