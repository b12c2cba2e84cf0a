import { Uint8ArrayReader, ZipReader } from '@zip.js/zip.js/index-native.js'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Canvass, type CanvassDetail, type CanvassSummary, type Household, type Mutation, type MutationResult } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import { canvassAnswerFields } from '../fixtures/canvass'
import { png, sha256 } from '../fixtures/images'
import { mutation } from '../fixtures/mutations'
import { describeEngines, pushBody, startApi, type TestApi } from './api'

/** The office's side of the consent canvass: open, follow, close, and file the result and the signatures. */

const A = 'c-nanmen'
const B = 'c-other'
const building = 'b-nanmen-115-2'
type Caller = { token: string; deviceId: string }
/** A flat of the building's second stairwell, so that a stairwell can be canvassed alone. */
const stairwell2: Household = { id: `${building}-2-101`, buildingId: building, entrance: '2', unit: '101', floor: 1, area: 75.5, occupancy: 'owner' }
const flats = [...demoHouseholds.filter((h) => h.buildingId === building), stairwell2]
const flat = (unit: string) => flats.find((h) => h.unit === unit && h.entrance === '')!.id

describeEngines('consent canvass: the office', (engine) => {
  let api: TestApi
  let now = new Date('2026-11-20T07:00:00.000Z')
  let office: Caller
  let officeB: Caller
  let admin: Caller
  let leader1: Caller
  let leader2: Caller
  let canvass: Canvass

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => now })
    await api.storage.putReference(A, 'households', [stairwell2])
    await api.storage.putReference(B, 'communities', [{ id: B, name: '北门社区' }])
    await api.storage.putReference(B, 'grids', [{ id: 'g-beimen-1', communityId: B, name: '北门第一网格' }])
    await api.storage.putReference(B, 'buildings', [{ id: 'b-beimen-1', gridId: 'g-beimen-1', communityId: B, address: '北门路1号', name: '', floors: 6 }])
    await api.storage.putReference(B, 'households', [{ id: 'b-beimen-1-101', buildingId: 'b-beimen-1', entrance: '', unit: '101', floor: 1, area: 60, occupancy: null }])
    office = await api.login('office1')
    officeB = await api.login('office2')
    admin = await api.login('admin1')
    leader1 = await api.login('leader1')
    leader2 = await api.login('leader2')
  })
  afterAll(() => api.close())

  const open = (who: Caller, body: unknown, community = A) => api.call('POST', `/api/v1/communities/${community}/canvasses`, { token: who.token, json: body })
  async function push(who: Caller, mutations: Mutation[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }
  const counter = async () => Number((await api.tables().selectFrom('counter').select('value').executeTakeFirstOrThrow()).value)
  const audited = async (action: string) =>
    (await api.tables().selectFrom('audit_events').select(['action', 'actor_id', 'rows', 'detail']).where('action', '=', action).execute()).map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown }))
  /** A signature photo leader1 uploads, as the phone does before the push that names it. */
  async function uploaded(shade: number): Promise<string> {
    const bytes = png(6, 3, shade)
    const answer = await api.call('PUT', `/api/v1/attachments/${sha256(bytes)}`, { token: leader1.token, body: bytes, headers: { 'content-type': 'image/png' } })
    expect(answer.status, answer.body).toBe(201)
    return sha256(bytes)
  }

  it('opens a canvass of a building with its households and areas from the roster; its leaders pull it and cannot change it', async () => {
    const answer = await open(office, { buildingId: building, question: '是否同意本楼加装电梯？', deadline: '2026-12-20' })
    expect(answer.status, answer.body).toBe(201)
    canvass = answer.json as Canvass
    expect(canvass).toMatchObject({ buildingId: building, entrance: '', kind: 'vote', createdBy: 'u-office1', deviceId: office.deviceId, closedAt: null, target: null })
    expect(canvass.rule).toEqual({ participation: { num: 2, den: 3 }, consent: { num: 3, den: 4 }, consentOf: 'participants', noObjection: false })
    expect(canvass.households).toEqual(flats.map((h) => ({ householdId: h.id, area: h.area })))
    expect(canvass.rev).toBe(await counter())

    const pulled = (await api.pullAll(leader1.token)).filter((c) => c.table === 'canvasses')
    expect(pulled.map((c) => c.record)).toEqual([canvass])
    expect((await api.pullAll(leader2.token)).some((c) => c.table === 'canvasses')).toBe(false)
    const [edit] = await push(leader1, [mutation.put('canvasses', canvass.id, { question: '改一下' }, canvass.rev)])
    expect(edit).toMatchObject({ status: 'rejected', code: 'forbidden' })
    expect(await audited('canvass.open')).toEqual([{ action: 'canvass.open', actor_id: 'u-office1', rows: null, detail: { canvassId: canvass.id, buildingId: building, households: flats.length } }])
  })

  it('opens a stairwell with its households alone, and a fund with its target', async () => {
    now = new Date('2026-11-20T08:00:00.000Z')
    const answer = await open(admin, { buildingId: building, entrance: '2', kind: 'fund', question: '集资换楼道窗户', target: 1200 })
    expect(answer.status, answer.body).toBe(201)
    expect(answer.json).toMatchObject({ entrance: '2', kind: 'fund', target: 1200, households: [{ householdId: stairwell2.id, area: 75.5 }], createdBy: 'u-admin1' })
  })

  it('refuses bad input with 400 and changes nothing', async () => {
    const rows = await api.tables().selectFrom('records').select('id').where('table_name', '=', 'canvasses').execute()
    const before = await counter()
    const question = '是否同意？'
    for (const body of [
      { buildingId: 'b-nowhere', question },
      { buildingId: 'b-beimen-1', question },
      { buildingId: building, question: '  ' },
      { buildingId: building, question, deadline: '2026-11-19' },
      { buildingId: building, question, target: 500 },
      { buildingId: building, question, entrance: '9' },
      { buildingId: building, question, rule: { participation: { num: 3, den: 2 }, consent: { num: 3, den: 4 }, consentOf: 'participants', noObjection: false } },
      { buildingId: building, question, rule: { participation: null, consent: { num: 3, den: 4 }, consentOf: 'participants', noObjection: false } },
      { buildingId: building, question, kind: 'lottery' },
    ]) {
      const answer = await open(office, body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
    }
    expect(await api.tables().selectFrom('records').select('id').where('table_name', '=', 'canvasses').execute()).toEqual(rows)
    expect(await counter()).toBe(before)
  })

  it('answers office staff of the community and admins only: a leader 403, another community’s office 404', async () => {
    const routes = (id: string): Array<[string, string, unknown?]> => [
      ['GET', `/api/v1/communities/${A}/canvasses`],
      ['POST', `/api/v1/communities/${A}/canvasses`, { buildingId: building, question: '别人来开' }],
      ['GET', `/api/v1/canvasses/${id}`],
      ['GET', `/api/v1/canvasses/${id}/export.xlsx`],
      ['GET', `/api/v1/canvasses/${id}/signatures.zip`],
      ['POST', `/api/v1/canvasses/${id}/close`],
    ]
    const before = await counter()
    for (const [who, status] of [[leader1, 403], [officeB, 404]] as const) {
      for (const [method, url, json] of routes(canvass.id)) {
        expect((await api.call(method as 'GET', url, { token: who.token, json })).status, `${method} ${url}`).toBe(status)
      }
    }
    expect(await counter()).toBe(before)
    // An unknown canvass is as unknown to the office.
    expect((await api.call('GET', `/api/v1/canvasses/${uuidv7()}`, { token: office.token })).status).toBe(404)
    const listed = await api.call('GET', `/api/v1/communities/${A}/canvasses`, { token: admin.token })
    expect(listed.status).toBe(200)
    expect((listed.json as CanvassSummary[]).map((s) => s.canvass.question)).toEqual(['集资换楼道窗户', '是否同意本楼加装电梯？'])
  })

  let signatures: string[]

  it('shows every answer with who recorded it and the places; closing it refuses answers given after', async () => {
    signatures = [await uploaded(1), await uploaded(2), await uploaded(3)]
    const answers = [
      canvassAnswerFields(canvass.id, { householdId: flat('101'), answer: 'agree', signature: 'drawn', photos: [signatures[0]!], answeredAt: '2026-11-20T03:00:00.000Z' }),
      // Asked again: the later answer counts, and the earlier stays its history.
      canvassAnswerFields(canvass.id, { householdId: flat('101'), answer: 'object', signature: 'paper', photos: [signatures[1]!], answeredAt: '2026-11-20T04:00:00.000Z' }),
      canvassAnswerFields(canvass.id, { householdId: flat('102'), answer: 'abstain', respondent: 'proxy', respondentName: '陈国强的女儿' }),
      canvassAnswerFields(canvass.id, { householdId: flat('201'), answer: 'agree', signature: 'drawn', photos: [signatures[2]!] }),
    ]
    const results = await push(leader1, answers.map((fields) => mutation.put('canvassAnswers', uuidv7(), fields)))
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied'])

    const detail = (await api.call('GET', `/api/v1/canvasses/${canvass.id}`, { token: office.token })).json as CanvassDetail
    expect(detail.canvass).toEqual(canvass)
    expect(detail.building).toBe('南门路115号之二')
    expect(detail.answers.map((a) => [a.householdId, a.answer])).toEqual(answers.map((a) => [a.householdId, a.answer]))
    expect(detail.places).toContainEqual({ householdId: stairwell2.id, entrance: '2', unit: '101', floor: 1 })
    expect(detail.places).toHaveLength(flats.length)
    expect(detail.people).toEqual({ 'u-leader1': '演示楼长' })

    const closed = await api.call('POST', `/api/v1/canvasses/${canvass.id}/close`, { token: office.token })
    expect(closed.status, closed.body).toBe(200)
    expect(closed.json).toMatchObject({ id: canvass.id, closedAt: now.toISOString() })
    expect((await api.call('POST', `/api/v1/canvasses/${canvass.id}/close`, { token: office.token })).status).toBe(409)
    expect((await audited('canvass.close')).map((e) => e.detail)).toEqual([{ canvassId: canvass.id }])
    const late = canvassAnswerFields(canvass.id, { householdId: flat('202'), answeredAt: '2026-11-20T08:00:01.000Z' })
    const early = canvassAnswerFields(canvass.id, { householdId: flat('202'), answeredAt: '2026-11-20T07:59:00.000Z' })
    expect((await push(leader1, [mutation.put('canvassAnswers', uuidv7(), late), mutation.put('canvassAnswers', uuidv7(), early)])).map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual(['locked', 'applied'])
    const pulled = (await api.pullAll(leader1.token)).find((c) => c.id === canvass.id)
    expect(pulled?.record).toMatchObject({ closedAt: now.toISOString() })
    // The office's device receives who answered for each household: that read is on record.
    await api.pullAll(office.token)
    expect((await audited('canvassAnswers.read')).map((e) => [e.actor_id, e.rows])).toEqual([['u-office1', answers.length + 1]])
  })

  it('exports the 表决结果统计表: question, rule and result on top, every household in grid order, then the figures', async () => {
    const answer = await api.app.inject({ method: 'GET', url: `/api/v1/canvasses/${canvass.id}/export.xlsx`, headers: { authorization: `Bearer ${office.token}` } })
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.headers['content-disposition']).toContain(encodeURIComponent('南门路115号之二表决结果统计表.xlsx'))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(answer.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]!
    const rows: string[][] = []
    sheet.eachRow({ includeEmpty: true }, (row) => rows.push(Array.from(row.values as unknown[]).slice(1).map((v) => (v instanceof Date ? v.toISOString() : v === undefined || v === null ? '' : String(v)))))
    expect(rows[0]![0]).toBe('南门路115号之二 表决结果统计表')
    expect(rows.slice(1, 5).map((r) => r.slice(0, 2))).toEqual([
      ['事项', '是否同意本楼加装电梯？'],
      ['表决规则', '参与表决的业主人数和面积均占三分之二以上，且参与表决的业主人数和面积均四分之三以上同意'],
      ['结果', '未通过'],
      ['截止日期', '2026-12-20'],
    ])
    const header = rows.findIndex((r) => r[0] === '单元')
    expect(rows[header]).toEqual(['单元', '房号', '楼层', '面积（㎡）', '表态', '代签/本人/链接', '答复人', '登记人', '登记时间', '签名是否在档'])
    const households = rows.slice(header + 1, header + 1 + flats.length)
    expect(households.map((r) => `${r[0]}${r[1]}`)).toEqual(['401', '402', '301', '302', '201', '202', '101', '102', '2单元101'])
    const row = (unit: string) => households.find((r) => r[1] === unit && r[0] === '')!
    expect(row('101').slice(2, 8)).toEqual(['1', String(flats.find((h) => h.id === flat('101'))!.area), '反对', '本人', '陈国强', '演示楼长'])
    expect(row('101')[9]).toBe('在档')
    expect(row('102').slice(4, 7)).toEqual(['弃权', '代签', '陈国强的女儿'])
    expect(row('102')[9]).toBe('无')
    expect(row('202')[4]).toBe('同意')
    expect(row('401').slice(4)).toEqual(['未登记'])
    // Answered at 04:00 UTC, filed at Taishan's 12:00.
    expect(row('101')[8]).toBe('2026-11-20T12:00:00.000Z')
    const figures = new Map(rows.slice(header + 1 + flats.length).filter((r) => r.length > 1).map((r) => [r[0], r[1]]))
    expect(figures.get('总户数')).toMatch(/^9 户，/)
    expect(figures.get('同意')).toMatch(/^2 户，/)
    expect(figures.get('反对')).toMatch(/^1 户，/)
    expect(figures.get('参与表决')).toMatch(/^4 户，/)
    expect(figures.get('参与表决条件')).toMatch(/^还差 2 户/)
    expect(await audited('export.canvass')).toEqual([{ action: 'export.canvass', actor_id: 'u-office1', rows: flats.length, detail: { canvassId: canvass.id } }])
  })

  it('zips the signature of each household’s latest signed answer, named by flat and answer', async () => {
    const answer = await api.app.inject({ method: 'GET', url: `/api/v1/canvasses/${canvass.id}/signatures.zip`, headers: { authorization: `Bearer ${office.token}` } })
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.headers['content-type']).toBe('application/zip')
    const reader = new ZipReader(new Uint8ArrayReader(new Uint8Array(answer.rawPayload)), { useWebWorkers: false })
    const entries = await reader.getEntries()
    expect(entries.map((e) => e.filename).sort()).toEqual(['101-反对.png', '201-同意.png'])
    // The paper form of 101's latest answer, not its earlier drawn signature.
    expect(entries.find((e) => e.filename === '101-反对.png')!.uncompressedSize).toBe((await api.storage.getAttachment(signatures[1]!))!.bytes.length)
    await reader.close()
    expect((await audited('export.signatures')).map((e) => e.rows)).toEqual([2])
  })
})
