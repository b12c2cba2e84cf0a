import { type Entry, ERR_INVALID_PASSWORD, type FileEntry, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js/index-native.js'
import { PHOTO_MAX_BYTES, RESCUE_JSON, RESCUE_MAX_BYTES, rescuePhotoHash, RescueFile } from '@/domain'
import { HttpError } from '../errors'

/** A rescue file opened: what the phone wrote, and its photos by the hash their names claim. */
export interface OpenedRescue {
  file: RescueFile
  photos: Map<string, Buffer>
}

/** A phone stores its photos in the file as they are and packs the JSON: this is room for days of work. */
const MAX_UNPACKED_BYTES = 2 * RESCUE_MAX_BYTES
const MAX_ENTRIES = 5_000

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_rescue', message)
}

/**
 * Opens a rescue file (src/domain/rescue.ts) with its password, or refuses it: `bad_password` when the password
 * does not open it, `invalid_rescue` when it is not a whole rescue file (not a zip, an entry not AES-encrypted,
 * a name that does not belong, bytes changed: AES entries carry an authentication code over their data).
 */
export async function openRescue(bytes: Uint8Array, password: string): Promise<OpenedRescue> {
  let entries: Entry[]
  const reader = new ZipReader(new Uint8ArrayReader(bytes), { password, useWebWorkers: false })
  try {
    entries = await reader.getEntries()
  } catch {
    throw invalid('This is not a rescue file: it is not a zip file, or it was cut short.')
  }
  const json = entries.find((entry) => entry.filename === RESCUE_JSON)
  // Only AES (not the old ZipCrypto, which anyone can forge) and only the names the phone writes.
  const stray = entries.find((entry) => entry.directory || !entry.encrypted || entry.zipCrypto || (entry !== json && !rescuePhotoHash(entry.filename)))
  if (!json || json.directory || stray) throw invalid('This is not a rescue file made by 楼长助手: it holds other files, or files without a password.')
  // What the entries claim bounds what is unpacked (an entry unpacking past its claim is refused as it unpacks):
  // a small file of many zero-filled "photos" must not fill the server's memory before anything looks at them.
  const unpacked = entries.reduce((bytes, entry) => bytes + entry.uncompressedSize, 0)
  if (entries.length > MAX_ENTRIES || unpacked > MAX_UNPACKED_BYTES) throw invalid('This rescue file unpacks to more than a phone ever writes.')
  const text = await read(json, RESCUE_MAX_BYTES)
  let file: RescueFile
  try {
    file = RescueFile.parse(JSON.parse(text.toString('utf8')))
  } catch {
    throw invalid('The records in this rescue file are not in the form 楼长助手 writes.')
  }
  const photos = new Map<string, Buffer>()
  for (const entry of entries) {
    // Every entry but the JSON is a photo: the check above let no other name through.
    const sha256 = rescuePhotoHash(entry.filename)
    if (entry !== json && !entry.directory && sha256) photos.set(sha256, await read(entry, PHOTO_MAX_BYTES))
  }
  await reader.close()
  return { file, photos }
}

/** One entry's bytes, at most `max` of them (a size the entry only claims is checked again as it is read). */
async function read(entry: FileEntry, max: number): Promise<Buffer> {
  if (entry.uncompressedSize > max) throw invalid('A file inside the rescue file is larger than the phone ever writes.')
  try {
    return Buffer.from(await entry.getData(new Uint8ArrayWriter()))
  } catch (error) {
    if (error instanceof Error && error.message === ERR_INVALID_PASSWORD) throw new HttpError(400, 'bad_password', 'The password does not open this rescue file.')
    throw invalid('This rescue file was changed or is damaged: it cannot be read whole.')
  }
}
