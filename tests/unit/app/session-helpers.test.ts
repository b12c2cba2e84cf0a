import { describe, expect, it } from 'vitest'
import { deviceNameFrom } from '@/app/features/session/deviceName'
import { syncTime } from '@/app/features/session/syncTime'

describe('the phone name guessed for sign-in', () => {
  it.each([
    ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36', 'Android · Chrome'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 'iPhone · Safari'],
    ['Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MicroMessenger/8.0.28', 'Android · WeChat'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Windows · Edge'],
  ])('names %s as %s', (agent, name) => {
    expect(deviceNameFrom(agent)).toBe(name)
  })

  it('gives nothing for an agent it cannot read, so the leader names the phone', () => {
    expect(deviceNameFrom('curl/8.0')).toBeNull()
  })
})

describe('the time of the last sync', () => {
  const now = new Date(2026, 10, 20, 16, 30)

  it('says today or yesterday with the clock time, and the date for anything older', () => {
    expect(syncTime(new Date(2026, 10, 20, 14, 5).toISOString(), 'zh-CN', now)).toEqual({ kind: 'today', text: '14:05' })
    expect(syncTime(new Date(2026, 10, 19, 0, 0).toISOString(), 'zh-CN', now)).toEqual({ kind: 'yesterday', text: '00:00' })
    expect(syncTime(new Date(2026, 10, 18, 23, 59).toISOString(), 'zh-CN', now)).toEqual({ kind: 'earlier', text: '11月18日 23:59' })
  })
})
