import { createHash } from 'node:crypto'
import { photosOf, PUSH_MAX_MUTATIONS, type AttachmentMeta, type RescueResult } from '@/domain'
import type { ServerContext } from '../context'
import { HttpError } from '../errors'
import { checkImage } from '../images'
import { parseMutation } from '../routes/sync'
import type { MemberPrincipal } from '../storage/types'
import type { OpenedRescue } from './open'

/**
 * Applies an opened rescue file to a community as the leader who made it, through the same path as that
 * leader's push: each mutation at most once (a second import, or the phone's own push later, is answered again:
 * `duplicate`, or the same refusal or conflicts), each validated and answered on its own. Its photos are stored as an upload would store them, uploaded by
 * that leader, so that the records may name them.
 */
export async function importRescue(ctx: ServerContext, communityId: string, { file, photos }: OpenedRescue): Promise<RescueResult> {
  const principal = await maker(ctx, communityId, file.userId, file.deviceId)
  const mutations = file.mutations.map(parseMutation)
  // The phone writes only the photos its changes name: any other would be stored for nothing.
  const named = new Set(mutations.flatMap((m) => (m.ok && m.mutation.kind === 'put' ? photosOf(m.mutation.fields) : [])))
  for (const [sha256, bytes] of photos) {
    // The data is authenticated by its encryption, its name is not: a renamed photo is a changed file.
    if (!named.has(sha256) || createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new HttpError(400, 'invalid_rescue', 'This rescue file was changed: a photo is not one its records name.')
    }
  }
  const at = ctx.clock().toISOString()
  let stored = 0
  for (const [sha256, bytes] of photos) {
    const checked = await checkImage(bytes)
    if (!checked.ok) continue
    const meta: AttachmentMeta = { sha256, bytes: bytes.length, ...checked.image }
    await ctx.storage.putAttachment(meta, bytes, principal.userId, at)
    stored += 1
  }
  const result: RescueResult = { applied: 0, duplicate: 0, conflict: 0, rejected: [], photos: stored, badPhotos: photos.size - stored, refusedEarlier: file.refused.length }
  for (let i = 0; i < mutations.length; i += PUSH_MAX_MUTATIONS) {
    for (const answer of await ctx.storage.push(principal, mutations.slice(i, i + PUSH_MAX_MUTATIONS), ctx.clock())) {
      if (answer.status === 'rejected') result.rejected.push({ mutationId: answer.mutationId, code: answer.code, message: answer.message })
      else result[answer.status] += 1
    }
  }
  return result
}

/**
 * The leader the file names, as the principal of their push: a leader of this community, and a device of
 * theirs (revoked or not: a phone that cannot sync is often one the office signed out). Anyone else is
 * answered alike, so that a file tells nothing about other communities' accounts.
 */
async function maker(ctx: ServerContext, communityId: string, userId: string, deviceId: string): Promise<MemberPrincipal> {
  const user = await ctx.storage.getUser(userId)
  const devices = user ? await ctx.storage.listDevices(user.id) : []
  if (!user || user.role !== 'leader' || user.communityId !== communityId || !devices.some((d) => d.id === deviceId)) {
    throw new HttpError(403, 'forbidden', 'This rescue file was made on the phone of someone who is not a leader of this community.')
  }
  return { userId: user.id, deviceId, role: 'leader', communityId, buildingIds: user.buildingIds }
}
