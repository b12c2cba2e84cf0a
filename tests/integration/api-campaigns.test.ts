import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Campaign, type CampaignProgress, type CampaignSummary, type MutationResult, type Mutation } from '@/domain'
import { hashPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD } from '@/server/seed'
import { demoTemplates } from '@/domain/demo'
import { inspectionFields, issueFields } from '../fixtures'
import { png, sha256 } from '../fixtures/images'
import { mutation } from '../fixtures/mutations'
import { describeEngines, pushBody, startApi, type TestApi } from './api'

/** Inspection campaigns: the office launches, follows, reminds and closes; leaders get them by pull and answer by push. */

const A = 'c-nanmen'
const B = 'c-other'
type Caller = { token: string; deviceId: string }
const typhoonV1 = demoTemplates.find((t) => t.id === 't-typhoon')!

describeEngines('inspection campaigns', (engine) => {
  let api: TestApi
  let now = new Date('2026-11-20T01:00:00.000Z')
  let office: Caller
  let officeB: Caller
  let admin: Caller
  let leader1: Caller
  let leader2: Caller

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => now })
    await api.storage.putReference(B, 'communities', [{ id: B, name: '北门社区' }])
    await api.storage.putReference(B, 'grids', [{ id: 'g-beimen-1', communityId: B, name: '北门第一网格' }])
    await api.storage.putReference(B, 'buildings', [{ id: 'b-beimen-1', gridId: 'g-beimen-1', communityId: B, address: '北门路1号', name: '', floors: 6 }])
    await api.storage.createUser({ id: 'u-leaderB', username: 'leaderb', displayName: '北门楼长', role: 'leader', communityId: B, buildingIds: ['b-beimen-1'], passwordHash: await hashPassword(DEMO_PASSWORD) })
    office = await api.login('office1')
    officeB = await api.login('office2')
    admin = await api.login('admin1')
    leader1 = await api.login('leader1')
    leader2 = await api.login('leader2')
  })
  afterAll(() => api.close())

  const typhoon = { title: '台风前防台风检查', note: '台风“海葵”周三登陆，24 小时内查完', templateId: 't-typhoon', deadline: '2026-11-21T01:00:00.000Z' }
  const launch = (who: Caller, body: unknown, community = A) => api.call('POST', `/api/v1/communities/${community}/campaigns`, { token: who.token, json: body })
  const list = async (who: Caller = office) => (await api.call('GET', `/api/v1/communities/${A}/campaigns`, { token: who.token })).json as CampaignSummary[]
  const progress = async (id: string) => {
    const answer = await api.call('GET', `/api/v1/campaigns/${id}`, { token: office.token })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as CampaignProgress
  }
  async function push(who: Caller, mutations: Mutation[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }
  const campaignsPulled = async (who: Caller) => (await api.pullAll(who.token)).filter((c) => c.table === 'campaigns').map((c) => c.record as Campaign)
  const campaignRows = async () => (await api.tables().selectFrom('records').select(['id', 'rev']).where('table_name', '=', 'campaigns').orderBy('id').execute()).map((r) => [r.id, Number(r.rev)])

  let campaign: Campaign

  it('launches a campaign over two buildings with the newest template version, and lists it with its progress', async () => {
    const answer = await launch(office, { ...typhoon, buildingIds: ['b-nanmen-115-2', 'b-qiaohu-32', 'b-nanmen-115-2'] })
    expect(answer.status, answer.body).toBe(201)
    campaign = answer.json as Campaign
    expect(campaign).toMatchObject({
      communityId: A,
      templateId: 't-typhoon',
      templateVersion: 1,
      buildingIds: ['b-nanmen-115-2', 'b-qiaohu-32'],
      launchedAt: now.toISOString(),
      launchedBy: 'u-office1',
      reminders: [],
      closedAt: null,
    })
    expect(await list()).toEqual([{ ...campaign, buildingsDone: 0, buildingsStarted: 0, hazards: 0 }])
    const first = await progress(campaign.id)
    expect(first.templateTitle).toBe('防台风检查')
    expect(first.buildings.map((b) => [b.address, b.state])).toEqual([
      ['南门路115号之二', 'not_started'],
      ['桥湖路32号', 'not_started'],
    ])
    expect(first.hazards).toEqual([])
  })

  it('covers every building of the community when none is named, with the version asked for', async () => {
    const published = await push(office, [mutation.publish({ ...typhoonV1, version: 2, title: '防台风检查（新）', publishedAt: now.toISOString() })])
    expect(published).toMatchObject([{ status: 'applied' }])
    now = new Date(now.getTime() + 60_000)
    const all = (await launch(admin, { ...typhoon, title: '全社区检查', templateVersion: 1 })).json as Campaign
    expect(all).toMatchObject({ templateVersion: 1, buildingIds: ['b-nanmen-115-2', 'b-nanmen-117', 'b-qiaohu-32', 'b-huanbei-8'], launchedBy: 'u-admin1' })
    now = new Date(now.getTime() + 60_000)
    const newest = (await launch(office, { ...typhoon, title: '新版检查', buildingIds: ['b-huanbei-8'] })).json as Campaign
    expect(newest.templateVersion).toBe(2)
    expect((await list()).map((c) => c.title)).toEqual(['新版检查', '全社区检查', typhoon.title])
  })


  it("refuses leaders, and answers another community's campaigns as unknown", async () => {
    expect((await launch(leader1, typhoon)).status).toBe(403)
    expect((await api.call('GET', `/api/v1/communities/${A}/campaigns`, { token: leader1.token })).status).toBe(403)
    expect((await api.call('GET', `/api/v1/campaigns/${campaign.id}`, { token: leader1.token })).status).toBe(403)
    expect((await api.call('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: leader1.token })).status).toBe(403)

    const before = await campaignRows()
    for (const answer of [
      await launch(officeB, typhoon),
      await api.call('GET', `/api/v1/communities/${A}/campaigns`, { token: officeB.token }),
      await api.call('GET', `/api/v1/campaigns/${campaign.id}`, { token: officeB.token }),
      await api.call('POST', `/api/v1/campaigns/${campaign.id}/reminders`, { token: officeB.token, json: { text: '快点' } }),
      await api.call('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: officeB.token }),
      await api.call('GET', `/api/v1/campaigns/no-such-campaign`, { token: office.token }),
    ]) {
      expect(answer.status, answer.body).toBe(404)
      expect(answer.json).toMatchObject({ error: 'not_found' })
    }
    expect(await campaignRows()).toEqual(before)
    // Their own community's list is theirs, and empty.
    expect((await api.call('GET', `/api/v1/communities/${B}/campaigns`, { token: officeB.token })).json).toEqual([])
  })

  it('refuses bad launches with a 400 and stores nothing', async () => {
    const before = await campaignRows()
    const refused = [
      { ...typhoon, templateId: 't-nobody-has-this' },
      { ...typhoon, templateVersion: 9 },
      { ...typhoon, buildingIds: ['b-beimen-1'] },
      { ...typhoon, buildingIds: ['b-nanmen-117', 'b-no-such-building'] },
      { ...typhoon, deadline: '周三之前' },
      { ...typhoon, deadline: '2026-11-19T00:00:00.000Z' },
      { ...typhoon, title: '' },
      { ...typhoon, title: '   ' },
      { ...typhoon, title: undefined },
    ]
    for (const body of refused) {
      const answer = await launch(office, body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
      expect(answer.json).toMatchObject({ error: 'bad_request' })
    }
    // B's template ids are not A's either.
    const answer = await launch(officeB, typhoon, B)
    expect(answer.status).toBe(400)
    expect(await campaignRows()).toEqual(before)
  })

  it("gives the campaign and its reminders to the leaders' phones at their next pull", async () => {
    expect((await campaignsPulled(leader1)).find((c) => c.id === campaign.id)).toEqual(campaign)
    now = new Date(now.getTime() + 3600_000)
    const reminded = await api.call('POST', `/api/v1/campaigns/${campaign.id}/reminders`, { token: office.token, json: { text: '还有两栋没查，今晚前完成' } })
    expect(reminded.status, reminded.body).toBe(200)
    expect((reminded.json as Campaign).reminders).toEqual([{ at: now.toISOString(), by: 'u-office1', text: '还有两栋没查，今晚前完成' }])
    expect((await campaignsPulled(leader2)).find((c) => c.id === campaign.id)?.reminders).toHaveLength(1)
    expect((await api.call('POST', `/api/v1/campaigns/${campaign.id}/reminders`, { token: office.token, json: { text: ' ' } })).status).toBe(400)
    // Another community's leader pulls none of it.
    const leaderB = await api.login('leaderb')
    expect(await campaignsPulled(leaderB)).toEqual([])
  })

  it('counts inspections pushed for the campaign, late ones too, with the failed items, their photos and the reports they became', async () => {
    const photo = png(4, 4, 0x33)
    expect((await api.call('PUT', `/api/v1/attachments/${sha256(photo)}`, { token: leader1.token, body: photo, headers: { 'content-type': 'image/png' } })).status).toBe(201)
    const inspectionId = uuidv7()
    const answers = {
      'balcony-objects': { result: 'fail', note: '5楼阳台三盆花', photos: [sha256(photo)] },
      'windows-closed': { result: 'pass', note: '', photos: [] },
      drains: { result: 'fail', note: '', photos: [] },
    }
    const started = inspectionFields({ buildingId: 'b-nanmen-115-2', templateId: 't-typhoon', templateVersion: 1, campaignId: campaign.id, startedAt: now.toISOString(), answers: answers as never })
    // One the leader chose, not for the campaign, and one naming it in a building it does not cover: neither counts.
    const other = inspectionFields({ buildingId: 'b-nanmen-117', templateId: 't-typhoon', templateVersion: 1, completedAt: now.toISOString(), answers: {} })
    const elsewhere = { ...other, campaignId: campaign.id, answers: { drains: { result: 'fail', note: '', photos: [] } } } as never
    expect(await push(leader1, [mutation.put('inspections', inspectionId, started), mutation.put('inspections', uuidv7(), other), mutation.put('inspections', uuidv7(), elsewhere)])).toMatchObject([
      { status: 'applied' },
      { status: 'applied' },
      { status: 'applied' },
    ])
    let seen = await progress(campaign.id)
    expect(seen.buildings.map((b) => b.state)).toEqual(['in_progress', 'not_started'])
    expect(seen.buildings[0]).toMatchObject({ by: ['u-leader1'], inspectionIds: [inspectionId], completedAt: null, late: false })

    const issueId = uuidv7()
    const report = issueFields({ buildingId: 'b-nanmen-115-2', location: '5楼阳台', photos: [sha256(photo)], source: { inspectionId, itemId: 'balcony-objects' } })
    // Completed after the deadline, and pushed later still: it counts, and is marked late.
    const completedAt = '2026-11-21T03:00:00.000Z'
    now = new Date('2026-11-22T08:00:00.000Z')
    expect(await push(leader1, [mutation.put('inspections', inspectionId, { ...started, completedAt }, null), mutation.put('issues', issueId, report)])).toMatchObject([
      { status: expect.stringMatching(/applied|merged/) },
      { status: 'applied' },
    ])
    seen = await progress(campaign.id)
    expect(seen.buildings[0]).toMatchObject({ state: 'done', by: ['u-leader1'], completedAt, late: true })
    expect(seen.hazards).toEqual([
      { inspectionId, buildingId: 'b-nanmen-115-2', itemId: 'balcony-objects', label: '阳台、窗台没有放花盆等易坠物', result: 'fail', note: '5楼阳台三盆花', photos: [sha256(photo)], by: 'u-leader1', issueId, issueStatus: 'submitted' },
      { inspectionId, buildingId: 'b-nanmen-115-2', itemId: 'drains', label: '天台、地面排水口没有堵', result: 'fail', note: '', photos: [], by: 'u-leader1', issueId: null, issueStatus: null },
    ])
    expect((await list()).find((c) => c.id === campaign.id)).toMatchObject({ buildingsDone: 1, buildingsStarted: 0, hazards: 2 })
  })

  it('closes once, with its report; a second close or a reminder after it is a conflict', async () => {
    const before = await campaignRows()
    const closed = await api.call('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: office.token })
    expect(closed.status, closed.body).toBe(200)
    const report = closed.json as CampaignProgress
    expect(report.campaign.closedAt).toBe(now.toISOString())
    expect(report.buildings.map((b) => b.state)).toEqual(['done', 'not_started'])
    expect(report.hazards).toHaveLength(2)
    expect((await campaignsPulled(leader1)).find((c) => c.id === campaign.id)?.closedAt).toBe(now.toISOString())

    const after = await campaignRows()
    for (const again of [
      await api.call('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: office.token }),
      await api.call('POST', `/api/v1/campaigns/${campaign.id}/reminders`, { token: office.token, json: { text: '再提醒一次' } }),
    ]) {
      expect(again.status).toBe(409)
      expect(again.json).toMatchObject({ error: 'conflict' })
    }
    expect(await campaignRows()).toEqual(after)
    expect(after).not.toEqual(before)
  })

  it('applies reminders and the closing sent at the same moment one after another: none is lost, none reopens it', async () => {
    const launchedAnswer = await launch(office, { ...typhoon, deadline: new Date(now.getTime() + 86_400_000).toISOString() })
    expect(launchedAnswer.status, launchedAnswer.body).toBe(201)
    const launched = launchedAnswer.json as Campaign
    const answers = await Promise.all([
      ...['一', '二', '三', '四'].map((n) => api.call('POST', `/api/v1/campaigns/${launched.id}/reminders`, { token: office.token, json: { text: `第${n}次提醒` } })),
      api.call('POST', `/api/v1/campaigns/${launched.id}/close`, { token: office.token }),
    ])
    expect(answers.map((a) => a.status).sort()).toEqual(expect.arrayContaining([200]))
    const accepted = answers.slice(0, 4).filter((a) => a.status === 200).map((a) => (a.json as Campaign).reminders.at(-1)!.text)
    for (const refused of answers.filter((a) => a.status !== 200)) expect(refused.json).toMatchObject({ error: 'conflict' })
    const stored = (await campaignsPulled(leader1)).find((c) => c.id === launched.id)!
    expect(stored.closedAt).not.toBeNull()
    expect(stored.reminders.map((r) => r.text).sort()).toEqual(accepted.sort())
  })
})
