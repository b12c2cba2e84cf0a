import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchPhone } from './browser'
import { productionBuild } from './build'
import { DEMO_PASSWORD, startFieldServer } from './field-server'
import { typePin } from './pages'

const PIN = '135790'
async function main() {
  const appDir = await mkdtemp(join(tmpdir(), 'lookl-'))
  await productionBuild(appDir)
  const server = await startFieldServer(appDir, { appLock: 'optional' })
  const at = (p: string) => new URL(p, server.url).href
  for (const [width, height, user] of [[320, 640, 'leader1'], [390, 844, 'leader1'], [1366, 768, 'office1']] as const) {
    const desk = width > 1000
    const phone = await launchPhone(desk ? { viewport: { width, height }, isMobile: false, hasTouch: false } : { viewport: { width, height } })
    const page = phone.context.pages()[0] ?? (await phone.context.newPage())
    const shoot = async (name: string) => {
      await page.waitForTimeout(700)
      await page.screenshot({ path: `/tmp/looklock/${width}-${name}.png`, fullPage: true })
    }
    await page.goto(at('/signin'))
    for (const locale of ['zh-CN', 'en']) {
      for (const textSize of ['standard', 'large', 'xlarge']) {
        await page.evaluate(([l, s]) => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: l, textSize: s })), [locale, textSize])
        await page.goto(at('/signin'))
        if (locale === 'zh-CN' && textSize === 'standard') {
          await page.getByLabel('用户名').fill(user)
          await page.getByLabel('密码').fill(DEMO_PASSWORD)
          await page.getByRole('button', { name: '登录', exact: true }).click()
          await page.waitForURL((url) => url.pathname !== '/signin')
        }
        if (desk && textSize !== 'standard') continue
        if (!(locale === 'zh-CN' && textSize === 'standard')) continue
      }
    }
    // setup screens in each locale/size, without choosing
    for (const locale of ['zh-CN', 'en']) {
      for (const textSize of desk ? ['standard'] : ['standard', 'large', 'xlarge']) {
        await page.evaluate(([l, s]) => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: l, textSize: s })), [locale, textSize])
        await page.reload()
        await page.locator('.pin-pad').first().waitFor()
        await shoot(`${locale}-${textSize}-setup`)
      }
    }
    await page.evaluate(() => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: 'zh-CN', textSize: 'standard' })))
    await page.reload()
    await page.locator('.pin-pad').first().waitFor()
    await typePin(page, PIN)
    await page.getByText('再输一次').waitFor()
    await typePin(page, PIN)
    await page.waitForTimeout(2000)
    for (const locale of ['zh-CN', 'en']) {
      for (const textSize of desk ? ['standard'] : ['standard', 'large', 'xlarge']) {
        await page.evaluate(([l, s]) => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: l, textSize: s })), [locale, textSize])
        await page.goto(at(desk ? '/office' : '/'))
        await page.locator('.pin-pad').first().waitFor()
        await typePin(page, '000000')
        await shoot(`${locale}-${textSize}-locked-wrong`)
        await page.locator('.lock-screen a, .lock-screen button, button').filter({ hasText: locale === 'en' ? 'Forgot' : '忘记密码' }).first().click()
        await shoot(`${locale}-${textSize}-recover`)
        await page.goto(at('/settings'))
        await page.locator('.pin-pad').first().waitFor()
        await typePin(page, PIN)
        await page.waitForTimeout(1500)
        await shoot(`${locale}-${textSize}-settings`)
      }
    }
    await phone.close()
  }
  await server.close()
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
