import { createServer } from 'node:http'
import type { CDPSession } from 'playwright-core'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { PUSH_MAX_MUTATIONS } from '@/domain'
import { inTheField, newVisits, scaled, seedOutbox, signalThrough, timedPush, UNTHROTTLED, type Timed } from './field'
import { count, kb, median, ratio, seconds, target, type Table } from './report'

/*
 * p) 1,000 visits pushed over Slow 4G, in Chromium (issue 9). The field of ./push.ts with the page's network
 * slowed by CDP to the issue's Slow 4G: 150 ms latency, 93,750 B/s up, 200,000 B/s down. The visits wait in
 * the outbox; as n) times the push, the app is opened with no signal and its screen settles, then Slow 4G comes
 * back and the app pushes: timed from there to the outbox empty (and, for diagnosis, from the navigation of an app
 * opened in signal, its start inside). Baselines over the same link, in the same page:
 * one fetch POST of the visits' JSON (gzip-compressed as the app compresses, and as it is), to a sink that
 * answers once it has read the body; and the link floor, the gzip bytes ÷ the upload rate plus a round trip for
 * each push request the server's limit requires.
 */

const VISITS = scaled(1_000)
const RUNS = 3
const SLOW_4G = { offline: false, latency: 150, uploadThroughput: 93_750, downloadThroughput: 200_000 }
/** The target: within 1.25× the link floor. */
const TARGET_FLOOR = 1.25

/**
 * An HTTP server on loopback that reads a POST's whole body, then answers 204: what one upload costs alone. It
 * serves an empty page for the POST to come from: the app's own page may connect only to its server (CSP).
 */
async function startSink() {
  const sink = createServer((request, response) => {
    request.resume()
    request.on('end', () => (request.method === 'POST' ? response.writeHead(204) : response.writeHead(200, { 'content-type': 'text/html' })).end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => sink.close(resolve)) }
}

/**
 * Each push request of a run, printed on the terminal (where the time between the requests goes): ms from the
 * run's first answered push request made to each one made, its upload begun and ended, its answer's first byte and
 * end, on CDP's clock (the requests that failed with no signal have no answer).
 */
async function pushTimeline(cdp: CDPSession) {
  await cdp.send('Network.enable')
  let firstAt = 0
  let lines: string[] = []
  const made = new Map<string, { at: number; bytes: number }>()
  const timings = new Map<string, { requestTime: number; sendStart: number; sendEnd: number; receiveHeadersStart?: number; receiveHeadersEnd: number }>()
  cdp.on('Network.requestWillBeSent', ({ requestId, request, timestamp }) => {
    const bytes = (request.postDataEntries ?? []).reduce((sum, entry) => sum + (entry.bytes ? Buffer.from(entry.bytes, 'base64').length : 0), 0)
    if (request.url.endsWith('/sync/push')) made.set(requestId, { at: timestamp, bytes })
  })
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    if (made.has(requestId) && response.timing) timings.set(requestId, response.timing)
  })
  cdp.on('Network.loadingFinished', ({ requestId, timestamp }) => {
    const request = made.get(requestId)
    const timing = timings.get(requestId)
    if (!request || !timing) return
    firstAt ||= request.at
    const at = (seconds: number) => ((seconds - firstAt) * 1000).toFixed(0)
    const after = (ms: number) => at(timing.requestTime + ms / 1000)
    const firstByte = after(timing.receiveHeadersStart ?? timing.receiveHeadersEnd)
    lines.push(`push of ${request.bytes} B: made ${at(request.at)}, upload ${after(timing.sendStart)}–${after(timing.sendEnd)}, answer ${firstByte}–${at(timestamp)} ms`)
  })
  return {
    /** The lines of the requests since the last call; the next request is the next run's first. */
    take() {
      const taken = lines
      lines = []
      firstAt = 0
      return taken
    },
  }
}

export async function slowLinkBenchmarks(report: (table: Table) => void): Promise<void> {
  const sink = await startSink()
  try {
    await inTheField(async (field) => {
      const { phone, page, author } = field
      const cdp = await phone.context.newCDPSession(page)
      const timeline = await pushTimeline(cdp)
      const signal = signalThrough(cdp, SLOW_4G)
      const runs = { signal: [] as Timed[], navigation: [] as Timed[] }
      const traffic = { pushes: 0, up: 0 }
      let json = ''
      /** Freshly seeded visits pushed from 我的, timed from Slow 4G's return to a settled screen, or from the navigation. */
      async function pushOnce(from: 'signal' | 'navigation') {
        const visits = newVisits(VISITS, author)
        json = JSON.stringify(visits)
        await seedOutbox(page, visits)
        const logTimeline = (emptied: number) => console.log([`from the ${from}: the outbox empty at ${emptied.toFixed(0)} ms`, ...timeline.take()].join('\n  '))
        const { emptied, synced, seen } = await timedPush(field, signal, '/settings', from, VISITS, logTimeline)
        runs[from].push({ emptied, synced })
        if (from === 'signal') Object.assign(traffic, seen)
        await cdp.send('Network.emulateNetworkConditions', UNTHROTTLED)
      }
      for (let run = 0; run < RUNS; run++) {
        await pushOnce('signal')
        await pushOnce('navigation')
      }

      const beside = await phone.context.newPage()
      await beside.goto(sink.url)
      const besideCdp = await phone.context.newCDPSession(beside)
      await besideCdp.send('Network.emulateNetworkConditions', SLOW_4G)
      /** One POST of the visits' JSON to the sink over the slow link, gzip-compressed in the page or as it is. */
      const post = (gzip: boolean) =>
        beside.evaluate(
          async ({ url, json, gzip }) => {
            const body = gzip ? new Uint8Array(await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()) : json
            const started = performance.now()
            await fetch(url, { method: 'POST', body })
            return performance.now() - started
          },
          { url: sink.url, json, gzip },
        )
      const gzipPosts: number[] = []
      for (let run = 0; run < RUNS; run++) gzipPosts.push(await post(true))
      const plainPost = await post(false)

      const gzipBytes = gzipSync(json).length
      const requestsNeeded = Math.ceil(VISITS / PUSH_MAX_MUTATIONS)
      const floor = (gzipBytes / SLOW_4G.uploadThroughput) * 1000 + requestsNeeded * SLOW_4G.latency
      const push = median(runs.signal.map((r) => r.emptied))
      const opened = median(runs.navigation.map((r) => r.emptied))
      report({
        title: `p) ${count(VISITS)} visits pushed over Slow 4G, in Chromium (issue 9)`,
        about: `The field of n) (the built app, the real server on loopback, Chromium with a profile on disk, leader1 signed in), the page's network slowed with CDP Network.emulateNetworkConditions to the issue's Slow 4G: ${SLOW_4G.latency} ms latency, ${count(SLOW_4G.uploadThroughput)} B/s up, ${count(SLOW_4G.downloadThroughput)} B/s down. ${count(VISITS)} visits and their outbox entries are put into the app's IndexedDB; as n) times the push, the app is opened at 我的 with no signal (CDP's offline network) and its screen settles (the count waiting shown, its points card read, its start-up run failed offline three times, then an idle moment), then Slow 4G is given back and the app starts its run on the window's \`online\` event: timed from there to the outbox empty, and to the run's end (its pull done, 记录都已同步 shown). For diagnosis, the same push with the app opened in Slow 4G, timed from the navigation (its start inside). Median of ${RUNS} runs of each, taking turns; the last timed from the signal: ${traffic.pushes} push requests, ${kb(traffic.up)} up. Baselines over the same link, from the same page: one fetch POST of the visits' JSON (${kb(json.length)}) to a sink on loopback that answers once it has read the body (from a blank page of the sink's, as slowed), gzip-compressed in the page with CompressionStream as the app does (median of ${RUNS}) and as it is (once); and the link floor: the JSON's gzip (${kb(gzipBytes)}, zlib's default level) ÷ ${count(SLOW_4G.uploadThroughput)} B/s, plus ${SLOW_4G.latency} ms for each of the ${requestsNeeded} push requests the server's limit of ${PUSH_MAX_MUTATIONS} mutations requires.`,
        head: ['', 'median', '÷ link floor'],
        rows: [
          ['**我的 settled with the visits waiting, Slow 4G back → the outbox empty**', `**${seconds(push)}**`, ratio(push / floor)],
          ['… → the end of the sync run (pull included)', seconds(median(runs.signal.map((r) => r.synced))), ratio(median(runs.signal.map((r) => r.synced)) / floor)],
          ['diagnosis: the app opened at 我的 in Slow 4G, navigation → the outbox empty (its start inside)', seconds(opened), ratio(opened / floor)],
          ['one fetch POST of the JSON, gzip-compressed (baseline)', seconds(median(gzipPosts)), ratio(median(gzipPosts) / floor)],
          ['one fetch POST of the JSON as it is', seconds(plainPost), ratio(plainPost / floor)],
          ['link floor: gzip bytes ÷ upload rate + a round trip per push request (baseline)', seconds(floor), ratio(1)],
        ],
        notes: [target(push <= TARGET_FLOOR * floor, `the push within ${TARGET_FLOOR}× the link floor, ${seconds(TARGET_FLOOR * floor)} (${ratio(push / floor)})`)],
      })
    })
  } finally {
    await sink.close()
  }
}
