/*
 * The page the browser benchmarks drive: the app's real repository and photo code, each beside the bare
 * browser work it stands on, exposed as `window.bench` for Playwright to call. Every function returns
 * milliseconds measured in the page, so that the numbers carry no DevTools-protocol round trip.
 */
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { fitWithin, PHOTO_MAX_SIDE, uuidv7, Visit } from '@/domain'
import type { RecordOutboxEntry } from '@/app/db/database'
import { aesGcmCipher } from '@/app/lock/cipher'
import { compressPhoto } from '@/app/photos/compress'
import { author, visitFields } from '../../fixtures'

const db = new DoorstepDatabase('doorstep-bench')
const repos = createRepositories(db)
// The same phone with the app lock on: every visit and outbox entry sealed as it is written (src/app/db/sealing.ts).
const sealedDb = new DoorstepDatabase('doorstep-bench-sealed')
sealedDb.sealing.open(aesGcmCipher(crypto.getRandomValues(new Uint8Array(32))))
const sealedRepos = createRepositories(sealedDb)
let photo: Blob | undefined
let saved: Visit | undefined

function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onerror = transaction.onabort = () => reject(transaction.error)
  })
}

/**
 * The mean of `runs` of `work` one after another, timed as a whole: Chromium's performance.now() may step by
 * 0.1 ms, as long as an empty transaction, and a whole of many runs is measured to a fraction of that.
 */
async function timedRuns(runs: number, work: (run: number) => Promise<unknown>): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < runs; i++) await work(i)
  return (performance.now() - start) / runs
}

const timed = (work: () => Promise<unknown>) => timedRuns(1, work)

/** A new visit and its outbox entry as the repository writes them (made before any clock starts). */
function visitAndEntry(): { visit: Visit; entry: RecordOutboxEntry } {
  const at = new Date().toISOString()
  const meta = { id: uuidv7(), createdAt: at, updatedAt: at, createdBy: author.userId, deviceId: author.deviceId, rev: null, deletedAt: null, conflicts: [] }
  const visit: Visit = { ...visitFields(), ...meta }
  const entry: RecordOutboxEntry = { mutationId: visit.id, table: 'visits', recordId: visit.id, baseRev: null, change: { kind: 'put', changed: Object.keys(visit) }, record: visit, createdAt: at }
  return { visit, entry }
}

/** A small deterministic random generator (mulberry32), so that every run draws the same photo. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A 4000 × 3000 scene with what makes a phone photo big: a sky gradient, buildings with rows of windows,
 * foliage, and sensor-like noise on every pixel. Encoded as a phone camera does (JPEG 0.92).
 */
async function drawPhoto(): Promise<Blob> {
  const width = 4000
  const height = 3000
  const rand = random(115)
  const canvas = new OffscreenCanvas(width, height)
  const g = canvas.getContext('2d')!
  const sky = g.createLinearGradient(0, 0, 0, height * 0.55)
  sky.addColorStop(0, '#6d98cf')
  sky.addColorStop(1, '#dfe7ee')
  g.fillStyle = sky
  g.fillRect(0, 0, width, height)
  g.fillStyle = '#8c8476'
  g.fillRect(0, height * 0.75, width, height * 0.25)
  for (let x = -100; x < width; x += 350 + rand() * 300) {
    const w = 300 + rand() * 400
    const top = height * (0.15 + rand() * 0.35)
    const shade = 150 + rand() * 80
    g.fillStyle = `rgb(${shade}, ${shade - 10 - rand() * 30}, ${shade - 30 - rand() * 40})`
    g.fillRect(x, top, w, height * 0.78 - top)
    for (let y = top + 40; y < height * 0.72; y += 110) {
      for (let wx = x + 30; wx < x + w - 60; wx += 90) {
        const lit = rand()
        g.fillStyle = lit > 0.7 ? '#e8d9a8' : `rgb(${40 + lit * 60}, ${55 + lit * 60}, ${70 + lit * 70})`
        g.fillRect(wx, y, 50, 70)
      }
    }
  }
  for (let i = 0; i < 6000; i++) {
    g.fillStyle = `hsl(${90 + rand() * 50}, ${30 + rand() * 40}%, ${15 + rand() * 35}%)`
    g.beginPath()
    g.arc(rand() * width, height * (0.6 + rand() * 0.4), 8 + rand() * 40, 0, Math.PI * 2)
    g.fill()
  }
  // Sensor noise, a band at a time (one 4000 × 3000 ImageData is 48 MB).
  for (let y = 0; y < height; y += 250) {
    const band = g.getImageData(0, y, width, 250)
    const px = band.data
    for (let i = 0; i < px.length; i += 4) {
      const n = (rand() - 0.5) * 14
      px[i] = px[i]! + n
      px[i + 1] = px[i + 1]! + n
      px[i + 2] = px[i + 2]! + n
    }
    g.putImageData(band, 0, y)
  }
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 })
}

const bench = {
  async openDatabase() {
    await Promise.all([db.open(), sealedDb.open()])
  },

  /** Saves a visit as the app does: validated, record and outbox entry in one transaction. */
  saveVisit: (runs: number) => timedRuns(runs, async () => (saved = await repos.visits.create(visitFields(), author))),

  /** The same save with the app lock on: the visit's text and the outbox entry sealed with AES-GCM. */
  saveSealedVisit: (runs: number) => timedRuns(runs, () => sealedRepos.visits.create(visitFields(), author)),

  /** The validation inside a save (the last saved visit against its schema), averaged over 100 runs. */
  validateVisit(): number {
    const start = performance.now()
    for (let i = 0; i < 100; i++) if (!Visit.safeParse(saved).success) throw new Error('the saved visit is invalid')
    return (performance.now() - start) / 100
  },

  /** A readwrite transaction over the same two stores that does nothing, through IndexedDB itself. */
  emptyTransaction: (runs: number) => timedRuns(runs, () => transactionDone(db.backendDB().transaction(['visits', 'outbox'], 'readwrite'))),

  /**
   * The floor under a save: the same visit and outbox entry put in one transaction through IndexedDB itself,
   * with no Dexie, no validation and no id to draw.
   */
  nativePuts(runs: number) {
    const rows = Array.from({ length: runs }, visitAndEntry)
    return timedRuns(runs, (i) => {
      const transaction = db.backendDB().transaction(['visits', 'outbox'], 'readwrite')
      transaction.objectStore('visits').put(rows[i]!.visit)
      transaction.objectStore('outbox').add(rows[i]!.entry)
      return transactionDone(transaction)
    })
  },

  /** The same two puts through Dexie (its middleware, among them the app lock's, and its telling live queries and other tabs). */
  dexiePuts(runs: number) {
    const rows = Array.from({ length: runs }, visitAndEntry)
    return timedRuns(runs, (i) => db.transaction('rw', [db.visits, db.outbox], () => Promise.all([db.visits.put(rows[i]!.visit), db.outbox.add(rows[i]!.entry)])))
  },

  /** The smallest step performance.now() takes here (Chromium may coarsen it), the smallest of 20 tries. */
  timerResolution(): number {
    let smallest = Infinity
    for (let i = 0; i < 20; i++) {
      const start = performance.now()
      let next = start
      while (next === start) next = performance.now()
      smallest = Math.min(smallest, next - start)
    }
    return smallest
  },

  /** The same empty transaction through Dexie: what Dexie's own bookkeeping adds. */
  emptyDexieTransaction: (runs: number) => timedRuns(runs, () => db.transaction('rw', [db.visits, db.outbox], () => {})),

  async makePhoto(): Promise<{ bytes: number; ms: number }> {
    const ms = await timed(async () => (photo = await drawPhoto()))
    return { bytes: photo!.size, ms }
  },

  /** The app's pipeline: the photo at the best quality that fits 250 KB, and its thumbnail. */
  async compressPhoto(): Promise<{ ms: number; bytes: number; width: number; height: number; thumbBytes: number }> {
    let result: Awaited<ReturnType<typeof compressPhoto>> | undefined
    const ms = await timed(async () => (result = await compressPhoto(photo!)))
    return { ms, bytes: result!.photo.blob.size, width: result!.photo.width, height: result!.photo.height, thumbBytes: result!.thumb.blob.size }
  },

  /** The bare browser work under it: decode, one resize to 1600 px, one JPEG 0.8 encode. */
  async bareResize(): Promise<{ ms: number; bytes: number }> {
    let blob: Blob | undefined
    const ms = await timed(async () => {
      const bitmap = await createImageBitmap(photo!)
      const { width, height } = fitWithin(bitmap.width, bitmap.height, PHOTO_MAX_SIDE)
      const canvas = new OffscreenCanvas(width, height)
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height)
      bitmap.close()
      blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 })
    })
    return { ms, bytes: blob!.size }
  },
}

declare global {
  interface Window {
    bench: typeof bench
  }
}
window.bench = bench
