import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { uuidv7, type Campaign } from '@/domain'
import { demoHouseholds, demoTemplates } from '@/domain/demo'
import { TEXT_SIZES } from '@/app/stores/preferences'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { layoutProblems } from './layout'
import { demoSeeded } from './pages'
import { inspections, issues, seedRecords, visits } from './seed'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/** Where the screenshots stay after the run, to be looked at. */
const SHOTS = join(tmpdir(), 'doorstep-text-sizes')
const WIDTHS = [320, 390] as const
const LOCALES = ['zh-CN', 'en'] as const

const LONG_NEEDS = '李奶奶一个人住，腿脚不方便，上下楼很吃力。\n想申请居家养老上门服务，也想问问加装电梯的事情什么时候能开会讨论，家里的煤气管也有点旧了。'
const LONG_OUTCOME = '已帮她在粤省事上提交了申请，告诉她大概两周有人上门评估。\n加装电梯的事情已经记下来，下次开会通知她。煤气管的事情已经转告物业，约好周五来看。'
const RETURN_REASON = '位置写得不清楚：请写明是几楼哪一侧的窗户，再补拍一张能看到整扇窗的照片。'
const LONG_DESCRIPTION =
  '三楼楼道东侧的窗户玻璃裂了一大条，窗框也松了，风一大就哐哐响，怕掉下去砸到楼下的人。\n住在三楼的陈伯说已经这样一个星期了，楼下是小孩放学经过的路，请尽快安排人来换。'

describe.skipIf(skipReason)('every text size on a small and a common phone', () => {
  const appUrl = inject('appUrl')
  const at = (path: string) => new URL(path, appUrl).href
  let phone: Phone
  let page: Page
  const screens: Array<{ name: string; path: string; ready: string; search?: string }> = []

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    // One device pixel per CSS pixel: the boxes are what is measured, and the screenshots stay small.
    phone = await launchPhone({ deviceScaleFactor: 1 })
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    await page.goto(appUrl)
    await demoSeeded(page)
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date())
    const [visit] = visits(1, { needs: LONG_NEEDS, outcome: LONG_OUTCOME, followUpOn: today, othersMet: '她女儿' })
    // The worklist's follow-ups: one due today at another household (a later visit to the same household would
    // close it), with a long topic of the leader's own words, and one a few days ahead.
    const [elsewhere, later] = demoHouseholds.filter((h) => h.buildingId === 'b-nanmen-117')
    const inDays = (n: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + n * 86_400_000))
    const followUps = [
      ...visits(1, {
        buildingId: elsewhere!.buildingId,
        householdId: elsewhere!.id,
        residentIds: [],
        purpose: 'dispute_mediation',
        topics: ['楼上楼下漏水纠纷，约物业和两家一起看现场'],
        followUpOn: today,
      }),
      ...visits(1, { buildingId: later!.buildingId, householdId: later!.id, residentIds: [], topics: ['elevator_installation', 'anti_fraud'], followUpOn: inDays(3) }),
    ]
    // Its photo was taken on another phone and is not here: the placeholder says so.
    const [issue] = issues(1, { description: LONG_DESCRIPTION, location: '3楼楼道东侧窗户', urgency: 'urgent', photos: ['e'.repeat(64)] })
    const template = demoTemplates[0]!
    const [inspection] = inspections(1, {
      templateId: template.id,
      templateVersion: template.version,
      answers: { [template.items[0]!.id]: { result: 'fail', note: '5楼楼梯口堆了纸箱和旧沙发，挡住了一半通道', photos: [] } },
    })
    // Returned by the office, raised from the failed item: the reason banner, the link back and the resubmit form.
    const [returned] = issues(1, {
      status: 'rejected',
      source: { inspectionId: inspection!.id, itemId: template.items[0]!.id },
      events: [
        { type: 'status', id: uuidv7(), at: '2026-11-02T02:00:00.000Z', by: 'u-office1', from: 'submitted', to: 'rejected', note: RETURN_REASON },
      ],
    })
    // An open campaign with long words: home's banner and the task list.
    const campaign: Campaign = {
      id: 'cp-typhoon',
      communityId: 'c-nanmen',
      title: '台风“海葵”登陆前二十四小时内完成防台风检查',
      note: '重点看阳台花盆、外墙广告牌和雨棚，独居老人要当面通知到，必要时帮助转移到社区避险点',
      templateId: 't-typhoon',
      templateVersion: 1,
      buildingIds: ['b-nanmen-115-2', 'b-nanmen-117', 'b-qiaohu-32'],
      deadline: '2099-11-21T01:00:00.000Z',
      launchedAt: '2026-11-20T01:00:00.000Z',
      launchedBy: 'u-office1',
      reminders: [{ at: '2026-11-20T09:00:00.000Z', by: 'u-office1', text: '还有两栋没查，今晚八点前完成，查完记得同步，有隐患当场拍照上报' }],
      closedAt: null,
    }
    await seedRecords(page, {
      campaigns: [campaign],
      visits: [...visits(6), visit!, ...followUps],
      issues: [...issues(4, { urgency: 'urgent' }), issue!, returned!],
      inspections: [inspection!],
      // The phone's user is the leader who made them (as after a sync): only a report's reporter gets its edit screen.
      meta: [{ key: 'userId', value: 'u-leader1' }],
    })
    screens.push(
      { name: 'home', path: '/', ready: '.home__actions' },
      { name: 'visits', path: '/visits', ready: '.visit-item' },
      { name: 'visit', path: `/visits/${visit!.id}`, ready: '.visit-detail__text' },
      // A household's visits, each with its sync state.
      { name: 'household', path: `/households/${elsewhere!.id}`, ready: '.visit-item .sync-badge[data-sync-state]' },
      { name: 'issues', path: '/issues', ready: '.issue-list__row' },
      { name: 'issue', path: `/issues/${issue!.id}`, ready: '.van-tag' },
      { name: 'returned', path: `/issues/${returned!.id}`, ready: '.issue-returned' },
      { name: 'resubmit', path: `/issues/${returned!.id}/edit`, ready: '.issue-edit__source' },
      { name: 'checklist', path: `/inspections/${inspection!.id}`, ready: '.choice-buttons' },
      { name: 'settings', path: '/settings', ready: '.settings-section' },
      { name: 'campaign', path: `/campaigns/${campaign.id}`, ready: '.campaign-tasks__row' },
      // Two follow-ups, and the demo households nobody has visited yet (care tags and all) due a visit.
      { name: 'worklist', path: '/worklist', ready: '.worklist-row__late' },
      // Residents found by phone digits: name and number under each household (only the results are labelled).
      { name: 'search', path: '/buildings', ready: '.building-list[aria-label] .van-cell', search: '138' },
    )
  })

  afterAll(async () => {
    await phone?.close()
  })

  for (const locale of LOCALES) {
    for (const textSize of TEXT_SIZES) {
      it(`lays out the main screens in ${locale} at ${textSize} text without overlapping, clipped or untranslated text`, async () => {
        await page.evaluate((stored) => localStorage.setItem('doorstep.preferences', stored), JSON.stringify({ locale, textSize }))
        const found: string[] = []
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 740 })
          for (const screen of screens) {
            await page.goto(at(screen.path))
            // A search is never in the address (src/app/stores/searches.ts): it is typed.
            if (screen.search) await page.locator('input[type="search"]').fill(screen.search)
            const ready = await page.locator(screen.ready).first().waitFor({ timeout: 8000 }).then(
              () => true,
              () => false,
            )
            if (!ready) found.push(`${screen.name} @${width}px: never showed ${screen.ready}`)
            await page.evaluate(() => document.fonts.ready)
            await page.waitForTimeout(150)
            await page.screenshot({ path: join(SHOTS, `${locale}-${textSize}-${width}-${screen.name}.png`), fullPage: true })
            for (const p of await page.evaluate(layoutProblems)) {
              found.push(`${screen.name} @${width}px: ${p.kind} “${p.text}”${p.other ? ` × “${p.other}”` : ''}`)
            }
          }
        }
        expect(found).toEqual([])
      })
    }
  }
})
