import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '@/server/app'
import { startApi, type TestApi } from './api'

/** The routes the API must document; each path with the methods it answers. */
const DOCUMENTED: Record<string, string[]> = {
  '/api/v1/health': ['get'],
  '/api/v1/auth/login': ['post'],
  '/api/v1/auth/logout': ['post'],
  '/api/v1/auth/recovery-key': ['post'],
  '/api/v1/auth/device': ['get'],
  '/api/v1/users/{userId}/devices': ['get'],
  '/api/v1/users/{userId}/devices/{deviceId}': ['delete'],
  '/api/v1/sync/push': ['post'],
  '/api/v1/sync/pull': ['get'],
  '/api/v1/attachments/{sha256}': ['put', 'head', 'get'],
  '/api/v1/attachments/missing': ['post'],
  '/api/v1/communities/{communityId}/roster/preview': ['post'],
  '/api/v1/communities/{communityId}/roster/import': ['post'],
  '/api/v1/communities/{communityId}/roster.xlsx': ['get'],
  '/api/v1/roster/template.xlsx': ['get'],
}

describe('one process serves the app and the API', () => {
  let api: TestApi
  let dist: string
  let origin: string
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'doorstep-dist-'))
    await mkdir(join(dist, 'assets'))
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>shell</title>')
    await writeFile(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {})')
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'export {}')
    api = await startApi('sqlite', { staticRoot: dist })
    origin = await api.app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await api.close()
    await rm(dist, { recursive: true, force: true })
  })

  it('publishes an OpenAPI 3.1 document that lists every route with its schemas', async () => {
    const response = await fetch(`${origin}/api/v1/openapi.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> }
    expect(doc.openapi).toMatch(/^3\.1\./)
    for (const [path, methods] of Object.entries(DOCUMENTED)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual([...methods].sort())
    }
    expect(doc.paths['/api/v1/openapi.json']).toBeUndefined()
    const login = doc.paths['/api/v1/auth/login']!.post!
    expect(JSON.stringify(login.requestBody)).toContain('deviceName')
    expect(Object.keys(login.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '429']))
    expect(JSON.stringify(doc.paths['/api/v1/sync/pull']!.get!.responses!['200'])).toContain('hasMore')
    // Mutations are validated one by one in the handler, yet the document shows every kind.
    const push = JSON.stringify(doc.paths['/api/v1/sync/push']!.post!.requestBody)
    for (const kind of ['put', 'delete', 'issue.status', 'issue.comment', 'issue.assign', 'template.publish']) expect(push).toContain(`"${kind}"`)
    expect(Object.keys((doc.paths['/api/v1/attachments/{sha256}']!.put!.requestBody as { content: object }).content)).toEqual(['image/jpeg', 'image/png', 'image/webp'])
    const rosterImport = doc.paths['/api/v1/communities/{communityId}/roster/import']!.post!
    expect(Object.keys((rosterImport.requestBody as { content: object }).content)).toContain('text/csv')
    expect(JSON.stringify(rosterImport.responses!['422'])).toContain('problems')
  })

  it('serves the app shell for app routes, with the same security headers as the API, and hashed assets for good', async () => {
    const shell = await fetch(`${origin}/visits/0190a1b2-c3d4/edit`)
    expect(shell.status).toBe(200)
    expect(await shell.text()).toContain('<title>shell</title>')
    expect(shell.headers.get('cache-control')).toBe('no-cache')
    const asset = await fetch(`${origin}/assets/index-abc123.js`)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${origin}/sw.js`)).headers.get('cache-control')).toBe('no-cache')
    for (const response of [shell, asset, await fetch(`${origin}/api/v1/health`)]) {
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    }
  })

  it('sends the compressed copies the build wrote beside the app files, for app routes too', async () => {
    // Copies whose content differs from the file's, so that a copy made per request would show.
    await writeFile(join(dist, 'index.html.br'), brotliCompressSync('<!doctype html><title>shell, brotli copy</title>'))
    await writeFile(join(dist, 'assets', 'index-abc123.js.gz'), gzipSync('export {} // gzip copy'))
    try {
      const shell = await fetch(`${origin}/issues`, { headers: { 'accept-encoding': 'br, gzip' } })
      expect(shell.headers.get('content-encoding')).toBe('br')
      expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(shell.headers.get('cache-control')).toBe('no-cache')
      expect(await shell.text()).toContain('shell, brotli copy')
      const asset = await fetch(`${origin}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } })
      expect(asset.headers.get('content-encoding')).toBe('gzip')
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(await asset.text()).toBe('export {} // gzip copy')
    } finally {
      await rm(join(dist, 'index.html.br'))
      await rm(join(dist, 'assets', 'index-abc123.js.gz'))
    }
  })

  it('answers an unknown /api path with a JSON 404, never the app shell', async () => {
    for (const path of ['/api/v1/nothing', '/api/v2/sync/pull', '/api']) {
      const response = await fetch(`${origin}${path}`)
      expect(response.status, path).toBe(404)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toEqual({ error: 'not_found', message: expect.any(String) })
    }
  })

  it('signs in and syncs over a real socket', async () => {
    const login = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'leader1', password: 'doorstep-demo', deviceName: 'phone' }),
    })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const pull = await fetch(`${origin}/api/v1/sync/pull?limit=5`, { headers: { authorization: `Bearer ${token}` } })
    expect(pull.status).toBe(200)
    expect(((await pull.json()) as { changes: unknown[] }).changes).toHaveLength(5)
  })

  it('answers a genuine bug with 500 internal, without the error or its stack, and logs it', async () => {
    const { token } = await api.login('leader1')
    // The real storage, except that pull fails the way a bug would.
    const broken = new Proxy(api.storage, {
      get(target, name) {
        if (name === 'pull') return () => Promise.reject(new Error('boom in /srv/doorstep/src/server/storage/secret.ts:12'))
        const value: unknown = Reflect.get(target, name)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const logged: string[] = []
    const app = buildServer({ storage: broken, logger: { level: 'error', stream: { write: (line: string) => logged.push(line) } } })
    const response = await app.inject({ method: 'GET', url: '/api/v1/sync/pull', headers: { authorization: `Bearer ${token}` } })
    await app.close()
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({ error: 'internal', message: expect.any(String) })
    expect(response.body).not.toMatch(/boom|secret|\.ts/)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(logged.join('')).toContain('boom')
  })

  it('refuses a body over the JSON limit with 413 before reading it all', async () => {
    const response = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x'.repeat(100_000), password: 'p', deviceName: 'd' }),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' })
  })
})
