import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readConfig } from '@/server/config'

describe('server configuration', () => {
  it('needs nothing: SQLite under ./data, demo mode, loopback port 8080', () => {
    expect(readConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      databaseUrl: undefined,
      demo: true,
      trustedHops: 0,
      logLevel: 'info',
      s3: undefined,
    })
  })

  it('reads every variable', () => {
    const config = readConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DOORSTEP_DATA_DIR: '/srv/doorstep',
      DATABASE_URL: 'postgres://app@db/doorstep',
      DOORSTEP_DEMO: '0',
      DOORSTEP_TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
    })
    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/srv/doorstep',
      databaseUrl: 'postgres://app@db/doorstep',
      demo: false,
      trustedHops: 1,
      logLevel: 'warn',
      s3: undefined,
    })
    expect(readConfig({ DATABASE_URL: 'postgresql://x/y' }).databaseUrl).toBe('postgresql://x/y')
    expect(readConfig({ DOORSTEP_TRUST_PROXY: '1', DOORSTEP_TRUSTED_HOPS: '2' }).trustedHops).toBe(2)
    // Without a proxy, X-Forwarded-For is not read at all, whatever the count.
    expect(readConfig({ DOORSTEP_TRUST_PROXY: '0', DOORSTEP_TRUSTED_HOPS: '2' }).trustedHops).toBe(0)
  })

  const S3 = {
    DOORSTEP_S3_ENDPOINT: 'https://oss-cn-guangzhou.aliyuncs.com',
    DOORSTEP_S3_BUCKET: 'jiangmen-photos',
    DOORSTEP_S3_ACCESS_KEY_ID: 'key',
    DOORSTEP_S3_SECRET_ACCESS_KEY: 'secret',
  }

  it('puts photos in object storage when its variables are set, in us-east-1 with the bucket in the path unless told', () => {
    const expected = { endpoint: S3.DOORSTEP_S3_ENDPOINT, bucket: 'jiangmen-photos', region: 'us-east-1', accessKeyId: 'key', secretAccessKey: 'secret', pathStyle: true }
    expect(readConfig(S3).s3).toEqual(expected)
    expect(readConfig({ ...S3, DOORSTEP_S3_REGION: 'cn-guangzhou', DOORSTEP_S3_PATH_STYLE: '0' }).s3).toEqual({ ...expected, region: 'cn-guangzhou', pathStyle: false })
  })

  it.each([
    // Half a store would start, and then lose every photo.
    [{ ...S3, DOORSTEP_S3_SECRET_ACCESS_KEY: '' }, /missing: DOORSTEP_S3_SECRET_ACCESS_KEY$/],
    [{ DOORSTEP_S3_BUCKET: 'photos' }, /missing: DOORSTEP_S3_ENDPOINT, DOORSTEP_S3_ACCESS_KEY_ID, DOORSTEP_S3_SECRET_ACCESS_KEY/],
    [{ DOORSTEP_S3_REGION: 'cn-north-4' }, /DOORSTEP_S3_REGION is set/],
    [{ DOORSTEP_S3_PATH_STYLE: '0' }, /DOORSTEP_S3_PATH_STYLE is set/],
    [{ ...S3, DOORSTEP_S3_PATH_STYLE: 'virtual' }, /DOORSTEP_S3_PATH_STYLE/],
    [{ ...S3, DOORSTEP_S3_ENDPOINT: 'oss-cn-guangzhou.aliyuncs.com' }, /DOORSTEP_S3_ENDPOINT must be an http/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DOORSTEP_DEMO: 'production' }, /DOORSTEP_DEMO/],
    [{ DOORSTEP_TRUSTED_HOPS: '0' }, /DOORSTEP_TRUSTED_HOPS/],
    [{ DOORSTEP_TRUSTED_HOPS: 'all' }, /DOORSTEP_TRUSTED_HOPS/],
    [{ DOORSTEP_TRUST_PROXY: '1', DOORSTEP_TRUSTED_HOPS: '1.5' }, /DOORSTEP_TRUSTED_HOPS/],
    // Anything but PostgreSQL would otherwise start silently on an empty SQLite file.
    [{ DATABASE_URL: 'mysql://db/doorstep' }, /DATABASE_URL/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(message)
  })
})
