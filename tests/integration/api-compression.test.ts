import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PullResponse } from '@/domain'
import { startApi, type TestApi } from './api'

describe('JSON answers on the wire', () => {
  let api: TestApi
  let token: string
  beforeAll(async () => {
    api = await startApi('sqlite')
    ;({ token } = await api.login('leader1'))
  })
  afterAll(() => api.close())

  const pull = (acceptEncoding?: string) =>
    api.app.inject({
      method: 'GET',
      url: '/api/v1/sync/pull?limit=200',
      headers: { authorization: `Bearer ${token}`, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
    })

  it('are brotli- or gzip-compressed for a client that accepts it, and decompress to the same answer', async () => {
    const [plain, brotli, packed] = await Promise.all([pull(), pull('gzip, deflate, br'), pull('gzip')])
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(packed.headers['content-encoding']).toBe('gzip')
    for (const [answer, unpack] of [[brotli, brotliDecompressSync], [packed, gunzipSync]] as const) {
      expect(String(answer.headers.vary).toLowerCase()).toContain('accept-encoding')
      expect(answer.headers['cache-control']).toBe('no-store')
      const unpacked = unpack(answer.rawPayload).toString('utf8')
      expect(PullResponse.parse(JSON.parse(unpacked))).toEqual(PullResponse.parse(plain.json()))
      // A page of demo reference data is mostly repeated field names: compression takes most of it away.
      expect(answer.rawPayload.byteLength).toBeLessThan(plain.rawPayload.byteLength / 3)
    }
  })

  it('stay as they are when small, where gzip would only add its header', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/api/v1/health', headers: { 'accept-encoding': 'gzip' } })
    expect(health.headers['content-encoding']).toBeUndefined()
    expect(health.json()).toMatchObject({ status: 'ok' })
  })
})
