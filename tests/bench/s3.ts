import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import sharp from 'sharp'
import { DEMO_PASSWORD } from '@/server/seed'
import { checkImage } from '@/server/images'
import { s3Client, s3Key, type S3Config } from '@/server/storage/s3-blobs'
import { ROOT } from './first-screen'
import { kb, median, ms, percentile, ratio, type Table } from './report'
import { startServerProcess } from './sync'

/*
 * `npm run bench -- s3`: the two ways a phone could upload a photo when photos live in an S3-compatible store
 * (issue 12 item 2), against s3rver. The store and the server each run in a process of their own, as they
 * would in a deployment; this process is only the phones.
 */

const PHOTOS = 120
const PARALLEL = 8
const WARM_UP = 10
/** s3rver's fixed credentials. */
const S3RVER_KEY = 'S3RVER'
const BUCKET = 'doorstep-photos'

/** s3rver in its own process on a free loopback port, its objects in `directory`. */
async function startStore(directory: string) {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', directory, '-a', '127.0.0.1', '-p', '0', '-s', '--configure-bucket', BUCKET], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const found = /listening on [\d.]+:(\d+)/.exec(output)
      if (found) resolve(Number(found[1]))
    })
    child.once('exit', (code) => reject(new Error(`s3rver stopped (${code}) before it listened:\n${output}`)))
  })
  const config: S3Config = { endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, region: 'us-east-1', accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY, pathStyle: true }
  return {
    config,
    async stop() {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * `count` different photos as a phone sends them (src/app/photos/compress.ts: 1600 px, JPEG, at most 250 KB):
 * one encoded scene, told apart by a JPEG comment each, so that every upload is new bytes to store.
 */
async function photos(count: number): Promise<Photo[]> {
  const { data, info } = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#8aa' } })
    .raw()
    .toBuffer({ resolveWithObject: true })
  // Noise (xorshift), so that the JPEG is about as large as a phone's photo (180 KB).
  let state = 1
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    data[i] = (data[i]! + ((state >>> 0) % 24)) & 0xff
  }
  const scene = await sharp(data, { raw: info }).jpeg({ quality: 80 }).toBuffer()
  return Array.from({ length: count }, (_, n) => {
    const text = Buffer.from(`doorstep bench photo ${n}`)
    const comment = Buffer.alloc(4)
    comment.writeUInt16BE(0xfffe)
    comment.writeUInt16BE(text.length + 2, 2)
    return Buffer.concat([scene.subarray(0, 2), comment, text, scene.subarray(2)])
  })
}

/** A photo's bytes, as fetch takes them. */
type Photo = Buffer<ArrayBuffer>

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Runs `upload` for every photo, `parallel` at a time; answers each one's milliseconds and the photos per second. */
async function timed(list: Photo[], parallel: number, upload: (bytes: Photo) => Promise<void>): Promise<{ each: number[]; perSecond: number }> {
  const each: number[] = []
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < list.length) {
        const bytes = list[next++]!
        const begun = performance.now()
        await upload(bytes)
        each.push(performance.now() - begun)
      }
    }),
  )
  return { each, perSecond: (list.length * 1000) / (performance.now() - start) }
}

async function ok(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`)
  await response.arrayBuffer()
}

export async function s3Benchmarks(report: (table: Table) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'doorstep-bench-s3-'))
  const store = await startStore(join(work, 'store'))
  const server = await startServerProcess({
    DOORSTEP_DATA_DIR: join(work, 'data'),
    DOORSTEP_S3_ENDPOINT: store.config.endpoint,
    DOORSTEP_S3_BUCKET: BUCKET,
    DOORSTEP_S3_ACCESS_KEY_ID: S3RVER_KEY,
    DOORSTEP_S3_SECRET_ACCESS_KEY: S3RVER_KEY,
  })
  const client = s3Client(store.config)
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'leader1', password: DEMO_PASSWORD, deviceName: 'bench' }),
    })
    const { token } = (await login.json()) as { token: string }
    const signed = (bytes: Buffer) => getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: s3Key(sha256(bytes)), ContentLength: bytes.length }), { expiresIn: 600 })

    // The baseline: the store alone, a PUT of the bytes to a URL signed before the clock started.
    const bare = async (list: Photo[], parallel: number) => {
      const urls = new Map(await Promise.all(list.map(async (bytes) => [bytes, await signed(bytes)] as const)))
      return timed(list, parallel, async (bytes) => ok(await fetch(urls.get(bytes)!, { method: 'PUT', body: bytes }), 'bare PUT'))
    }
    // Today's route: the server hashes and decodes the photo, writes it to the store, then the row.
    const throughServer = (list: Photo[], parallel: number) =>
      timed(list, parallel, async (bytes) =>
        ok(
          await fetch(`${server.url}/api/v1/attachments/${sha256(bytes)}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' }, body: bytes }),
          'upload through the server',
        ),
      )
    // Presigned: the URL signed for this photo, the phone's PUT to the store, then what the server owes
    // before a row may announce the photo: read it back, hash it and decode it (the bytes are the phone's word).
    const presigned = (list: Photo[], parallel: number) =>
      timed(list, parallel, async (bytes) => {
        const name = sha256(bytes)
        await ok(await fetch(await signed(bytes), { method: 'PUT', body: bytes }), 'presigned PUT')
        const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: s3Key(name) }))
        const back = Buffer.from(await object.Body!.transformToByteArray())
        if (sha256(back) !== name || !(await checkImage(back)).ok) throw new Error('the stored photo is not the one signed for')
      })

    const all = await photos(WARM_UP + 6 * PHOTOS)
    const batches = Array.from({ length: 6 }, (_, i) => all.slice(WARM_UP + i * PHOTOS, WARM_UP + (i + 1) * PHOTOS))
    await throughServer(all.slice(0, WARM_UP), 1)
    await presigned(all.slice(0, WARM_UP), 1)
    const runs = {
      bare1: await bare(batches[0]!, 1),
      server1: await throughServer(batches[1]!, 1),
      presigned1: await presigned(batches[2]!, 1),
      bareN: await bare(batches[3]!, PARALLEL),
      serverN: await throughServer(batches[4]!, PARALLEL),
      presignedN: await presigned(batches[5]!, PARALLEL),
    }
    const row = (name: string, one: { each: number[] }, many: { each: number[]; perSecond: number }, base: { one: number; many: number }) => [
      name,
      ms(median(one.each)),
      ms(percentile(one.each, 99)),
      ratio(median(one.each) / base.one),
      `${many.perSecond.toFixed(1)}/s`,
      ms(percentile(many.each, 99)),
      ratio(base.many / many.perSecond),
    ]
    // The check either way costs a decode: timed alone, in this process, one photo at a time.
    const decode: number[] = []
    for (const bytes of batches[0]!.slice(0, 30)) {
      const begun = performance.now()
      await checkImage(bytes)
      decode.push(performance.now() - begun)
    }
    const base = { one: median(runs.bare1.each), many: runs.bareN.perSecond }
    const serverCost = median(runs.server1.each) - base.one
    report({
      title: 's3) Uploading a photo to object storage: through the server or presigned (issue 12)',
      about: `${PHOTOS} different ${kb(all[0]!.length)} JPEGs (1600 × 1200, what a phone sends) per row, after ${WARM_UP} warm-up uploads; one at a time, then ${PARALLEL} at once. s3rver and the server (\`npm start\`'s, SQLite, DOORSTEP_S3_* set) each run in a process of their own on loopback; this process plays the phones. "Through the server" is today's PUT /api/v1/attachments/{sha256}: the server hashes and decodes the photo, writes it to the store, then the row. "Presigned" is the URL signed for the photo, the phone's PUT straight to the store, and the check the server owes before a row announces it (the object read back, hashed and decoded), without the two extra requests to the server a phone would also make. Baseline: the bare PUT to the store, to a URL signed beforehand.`,
      head: ['', 'one at a time: median', 'p99', '÷ bare PUT', `${PARALLEL} at once: photos/s`, 'p99', 'time ÷ bare PUT'],
      rows: [
        row('**through the server** (today)', runs.server1, runs.serverN, base),
        row('presigned PUT + the server\'s check', runs.presigned1, runs.presignedN, base),
        row('bare PUT to the store (baseline)', runs.bare1, runs.bareN, base),
      ],
      notes: [
        `The server's own share of an upload through it: ${ms(serverCost)} a photo over the bare PUT (hash, decode, the store written from the server, the row); of which the decode that checks the photo (checkImage, timed alone here): ${ms(median(decode))}.`,
        'Bytes the server moves per photo: through it, in from the phone and out to the store (2×); presigned, back in from the store for its check (1×), plus a request to sign and one to confirm.',
        `Chosen: **through the server**, no change on the phone. The photo has to be decoded by the server either way before a record may name it (the phone's word is not enough: size, type, that it is a whole image, its hash), so presigning moves the same CPU to later and adds a read back from the store; with ${PARALLEL} at once the two carry ${runs.serverN.perSecond.toFixed(1)} and ${runs.presignedN.perSecond.toFixed(1)} photos/s, and one at a time take ${ms(median(runs.server1.each))} and ${ms(median(runs.presigned1.each))} a photo. The phone's bytes are the same either way, and on a phone's link they are most of the time; presigned would also need the bucket reachable from the internet with CORS, two more requests per photo, and a way to take back objects that were never confirmed.`,
      ],
    })
  } finally {
    client.destroy()
    await server.stop()
    await store.stop()
    await rm(work, { recursive: true, force: true })
  }
}
