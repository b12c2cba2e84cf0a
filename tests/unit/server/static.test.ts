import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStaticServer, type StaticServer } from '@/server/static'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let dir: string
let server: StaticServer

/** A raw request: fetch() would normalise `..` away before the server ever saw it. */
function get(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The same request, with the body as bytes (compressed answers are not text). */
function getBytes(path: string, headers: Record<string, string> = {}): Promise<{ headers: Answer['headers']; body: Buffer }> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'doorstep-static-'))
  dir = join(base, 'dist')
  await mkdir(join(dir, 'assets'), { recursive: true })
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>shell</title>')
  await writeFile(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(dir, 'manifest.webmanifest'), '{}')
  await writeFile(join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'export {}')
  await writeFile(join(dir, 'assets', 'font-abc123.woff2'), 'wOF2')
  // A file next to the served folder that no URL may reach.
  await writeFile(join(base, 'secret.txt'), 'secret')
  server = await startStaticServer({ root: dir, port: 0 })
})

afterAll(async () => {
  await server.close()
  await rm(join(dir, '..'), { recursive: true, force: true })
})

describe('static server', () => {
  it('sends the brotli or gzip copy the build made to a browser that accepts it, and the file itself otherwise', async () => {
    const source = `export const words = ${JSON.stringify('楼长助手 '.repeat(500))}\n`
    await writeFile(join(dir, 'assets', 'words-abc123.js'), source)
    await writeFile(join(dir, 'assets', 'words-abc123.js.gz'), gzipSync(source))
    await writeFile(join(dir, 'assets', 'words-abc123.js.br'), brotliCompressSync(source))
    const brotli = await getBytes('/assets/words-abc123.js', { 'accept-encoding': 'gzip, deflate, br' })
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(brotli.body).toString('utf8')).toBe(source)
    const packed = await getBytes('/assets/words-abc123.js', { 'accept-encoding': 'gzip' })
    expect(packed.headers['content-encoding']).toBe('gzip')
    expect(packed.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(packed.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(String(packed.headers.vary).toLowerCase()).toContain('accept-encoding')
    expect(gunzipSync(packed.body).toString('utf8')).toBe(source)
    const plain = await getBytes('/assets/words-abc123.js')
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString('utf8')).toBe(source)
    expect(new Set([plain.headers.etag, packed.headers.etag, brotli.headers.etag]).size).toBe(3)
  })

  it('compresses text that the build left uncompressed as it goes', async () => {
    const source = `export const more = ${JSON.stringify('南门社区 '.repeat(500))}\n`
    await writeFile(join(dir, 'assets', 'more-abc123.js'), source)
    const packed = await getBytes('/assets/more-abc123.js', { 'accept-encoding': 'gzip' })
    expect(packed.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(packed.body).toString('utf8')).toBe(source)
  })

  it('leaves fonts and images as they are, already compressed', async () => {
    const answer = await getBytes('/assets/font-abc123.woff2', { 'accept-encoding': 'gzip' })
    expect(answer.headers['content-encoding']).toBeUndefined()
    expect(answer.body.toString()).toBe('wOF2')
  })

  it.each([
    ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml'],
    ['/assets/font-abc123.woff2', 'font/woff2'],
    ['/assets/index-abc123.js', 'text/javascript; charset=utf-8'],
    ['/sw.js', 'text/javascript; charset=utf-8'],
  ])('serves %s as %s', async (path, type) => {
    const answer = await get(path)
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe(type)
  })

  it('answers an unknown app route with the shell, so a deep link opens the app', async () => {
    const answer = await get('/visits/0190a1b2-c3d4/edit')
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(answer.body).toContain('<title>shell</title>')
  })

  it.each(['/assets/index-gone.js', '/missing.png', '/assets/chunk'])('answers a missing asset %s with 404, not the shell', async (path) => {
    const answer = await get(path)
    expect(answer.status).toBe(404)
    expect(answer.body).not.toContain('shell')
  })

  it('makes the shell, the service worker and the manifest revalidate, and keeps hashed assets for good', async () => {
    for (const path of ['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/issues']) {
      expect((await get(path)).headers['cache-control'], path).toBe('no-cache')
    }
    expect((await get('/assets/index-abc123.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('answers 304 when the copy the browser holds is current', async () => {
    const first = await get('/sw.js')
    const again = await get('/sw.js', { headers: { 'If-None-Match': String(first.headers.etag) } })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
  })

  it('sends the security headers on every answer, errors included', async () => {
    for (const path of ['/', '/assets/index-abc123.js', '/missing.png']) {
      const { headers } = await get(path)
      expect(headers['x-content-type-options']).toBe('nosniff')
      expect(headers['referrer-policy']).toBe('no-referrer')
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(headers['content-security-policy']).toContain("script-src 'self'")
    }
  })

  it.each(['/../secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt', '/index.html%00.js'])(
    'never serves a file outside the folder: %s',
    async (path) => {
      const answer = await get(path)
      expect(answer.body).not.toContain('secret')
      expect([400, 403, 404]).toContain(answer.status)
    },
  )

  it('refuses methods other than GET and HEAD', async () => {
    const answer = await get('/', { method: 'POST' })
    expect(answer.status).toBe(405)
    expect(answer.headers.allow).toBe('GET, HEAD')
  })

  it('answers HEAD with the headers and no body', async () => {
    const answer = await get('/index.html', { method: 'HEAD' })
    expect(answer.status).toBe(200)
    expect(answer.body).toBe('')
    expect(Number(answer.headers['content-length'])).toBeGreaterThan(0)
  })
})
