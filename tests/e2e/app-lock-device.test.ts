import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { CDPSession, Locator, Page } from 'playwright-core'
import { demoHouseholds, demoResidents } from '@/domain/demo'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { openUnderWorker, readStore, signIn, typePin, unlock, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/*
 * Fingerprint or face unlock in real Chromium, with DevTools' virtual authenticator standing in for the
 * phone's sensor: a platform authenticator (internal transport) that verifies the user and gives WebAuthn
 * PRF output, as Android's and iOS's do. The PRF bytes it gives are what unwraps the data key: if they were
 * wrong, the residents would not show.
 */

const PIN = '380514'
const household = demoHouseholds.find((h) => h.buildingId === 'b-nanmen-115-2')!
const resident = demoResidents.find((r) => r.householdId === household.id && !r.movedOutAt)!

/** The words of the buttons `buttons` finds that do not fit them (wider or taller than the button). */
function overflowing(buttons: Locator): Promise<string[]> {
  return buttons.evaluateAll((found) =>
    found.filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1).map((el) => el.textContent!.trim()),
  )
}

describe.skipIf(skipReason)('unlocking with the phone’s fingerprint or face', () => {
  const appDir = inject('appDir')
  const problems: string[] = []
  let server: FieldServer
  let phone: Phone
  let page: Page
  let cdp: CDPSession
  let authenticatorId: string
  // WebAuthn refuses IP addresses as relying parties: the same server, by name.
  const at = (path: string) => new URL(path, server.url.replace('127.0.0.1', 'localhost')).href
  const metaKeys = async () => (await readStore<{ key: string }>(page, 'meta')).map((entry) => entry.key)
  const fingerButton = () => page.getByRole('button', { name: '用指纹解锁' })

  beforeAll(async () => {
    server = await startFieldServer(appDir, { appLock: 'required' })
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
    cdp = await phone.context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    ;({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true },
    }))
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
  })

  it('1. turned on in 我的 after the PIN, the finger opens the locked app, offline', { timeout: 120_000 }, async () => {
    // Under the service worker, as leaders use it: the app opens with no network.
    await openUnderWorker(page, at('/'))
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor({ timeout: 30_000 })
    // Every page load starts locked.
    await page.goto(at(`/households/${household.id}`))
    await unlock(page, PIN)
    await page.getByText(resident.name).first().waitFor()

    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByText('这部手机上录过的指纹和面容都能打开楼长助手。').waitFor()
    await page.getByRole('button', { name: '用指纹或面容解锁' }).click()
    await page.getByText('输入锁屏密码，开启指纹或面容解锁').waitFor()
    await typePin(page, PIN)
    await page.getByText('已开启指纹或面容解锁').waitFor()
    expect(await page.getByRole('button', { name: '关闭指纹或面容解锁' }).count()).toBe(1)
    const [keyring] = (await readStore<{ key: string; value: string }>(page, 'meta')).filter((entry) => entry.key === 'keyring')
    expect(JSON.parse(keyring!.value)).toMatchObject({ device: { credentialId: expect.any(String), salt: expect.any(String), key: expect.any(String) } })

    // What shows next is what the phone holds, sealed: nothing can come from the server.
    server.setReachable(false)
    await page.goto(at(`/households/${household.id}`))
    await page.getByText('输入锁屏密码').waitFor()
    expect(await page.getByText(resident.name).count()).toBe(0)
    await fingerButton().click()
    await page.getByText('输入锁屏密码').waitFor({ state: 'detached' })
    await page.getByText(resident.name).first().waitFor()
  })

  it('2. on a 320 px phone at 特大, in English, the fingerprint buttons hold their words', { timeout: 120_000 }, async () => {
    await page.setViewportSize({ width: 320, height: 640 })
    await page.evaluate(() => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: 'en', textSize: 'xlarge' })))
    await page.reload()
    const finger = page.getByRole('button', { name: 'Unlock with fingerprint' })
    expect(await overflowing(finger)).toEqual([])
    await finger.click()
    await page.getByRole('link', { name: 'Me', exact: true }).click()
    const section = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Screen lock PIN', exact: true }) })
    await section.getByRole('button', { name: 'Turn off fingerprint or face unlock' }).waitFor()
    expect(await overflowing(section.getByRole('button'))).toEqual([])

    await page.evaluate(() => localStorage.removeItem('doorstep.preferences'))
    await page.setViewportSize({ width: 390, height: 844 })
    await page.reload()
    await unlock(page, PIN)
  })

  // Last of the fingers: in Chromium 150, once its virtual authenticator has failed to verify the user, it
  // refuses every later request, even after WebAuthn.setUserVerified(true).
  it('3. a finger the phone does not recognise opens nothing and counts no wrong PIN; the PIN still opens it', { timeout: 120_000 }, async () => {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false })
    await page.goto(at(`/households/${household.id}`))
    await fingerButton().click()
    await page.getByText('没有解锁，请输锁屏密码').waitFor()
    expect(await page.getByText(resident.name).count()).toBe(0)
    expect(await metaKeys()).not.toContain('pinFailures')
    await unlock(page, PIN)
    await page.getByText(resident.name).first().waitFor()
  })

  it('4. turned off, the lock screen offers the PIN alone', { timeout: 120_000 }, async () => {
    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByRole('button', { name: '关闭指纹或面容解锁' }).click()
    await page.getByText('已关闭指纹或面容解锁，请用锁屏密码').waitFor()
    await page.reload()
    await page.getByText('输入锁屏密码').waitFor()
    expect(await fingerButton().count()).toBe(0)
    await unlock(page, PIN)
    expect(problems).toEqual([])
  })
})
