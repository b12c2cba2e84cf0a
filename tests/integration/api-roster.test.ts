import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ROSTER_HEADER_ROW, ROSTER_XLSX_TYPE, rosterRows, type Change, type Resident, type RosterCell, type RosterPreview, type RosterRefusal } from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents } from '@/domain/demo'
import { describeEngines, startApi, type TestApi } from './api'

/** The demo roster as a CSV, one line per resident; `phoneOf` changes phones, `leaveOut` drops a resident. */
function demoCsv(options: { phoneOf?: (resident: Resident) => string | undefined; leaveOut?: string } = {}): string {
  const residents = demoResidents.filter((r) => r.id !== options.leaveOut).map((r) => ({ ...r, phone: options.phoneOf?.(r) ?? r.phone }))
  const rows = rosterRows({ grids: demoGrids, buildings: demoBuildings, households: demoHouseholds, residents })
  return [ROSTER_HEADER_ROW, ...rows].map((cells: RosterCell[]) => cells.map((c) => c ?? '').join(',')).join('\n')
}

const target = demoResidents[0]!
const targetBuilding = demoHouseholds.find((h) => h.id === target.householdId)!.buildingId

describeEngines('roster import and export', (engine) => {
  let api: TestApi
  let office: string
  let leader1: string
  let leader2: string
  beforeAll(async () => {
    api = await startApi(engine)
    office = (await api.login('office1')).token
    leader1 = (await api.login('leader1')).token
    leader2 = (await api.login('leader2')).token
  })
  afterAll(() => api?.close())

  const counter = async () => Number((await api.tables().selectFrom('counter').select('value').executeTakeFirstOrThrow()).value)
  const send = (step: 'preview' | 'import', body: string | Buffer, token = office, community = demoCommunity.id, type = 'text/csv') =>
    api.call('POST', `/api/v1/communities/${community}/roster/${step}`, { token, body, headers: { 'content-type': type } })
  /** Every change after the cursor of `token`'s pulls so far. */
  async function pullAfter(token: string, cursor: string): Promise<{ changes: Change[]; cursor: string }> {
    const answer = await api.call('GET', `/api/v1/sync/pull?limit=1000&cursor=${cursor}`, { token })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as { changes: Change[]; cursor: string }
  }

  it('previews without writing, and an unchanged roster imports as unchanged with no new revision', async () => {
    const before = await counter()
    const changed = demoCsv({ phoneOf: (r) => (r.id === target.id ? '13999998888' : undefined) })
    const preview = await send('preview', changed)
    expect(preview.status, preview.body).toBe(200)
    expect(preview.json).toMatchObject({ rows: demoResidents.length, residents: { changed: 1, unchanged: demoResidents.length - 1 }, problems: [] })
    expect(await counter()).toBe(before)

    const same = await send('import', demoCsv())
    expect(same.status, same.body).toBe(200)
    expect((same.json as RosterPreview).residents).toEqual({ added: 0, changed: 0, unchanged: demoResidents.length, movedOut: 0 })
    expect(await counter()).toBe(before)
  })

  it('sends a changed phone only to the leaders of its building, and only once', async () => {
    const first1 = await pullAfter(leader1, '')
    const first2 = await pullAfter(leader2, '')
    const changed = demoCsv({ phoneOf: (r) => (r.id === target.id ? '13999998888' : undefined) })
    const imported = await send('import', changed)
    expect(imported.status, imported.body).toBe(200)
    expect(demoBuildings.slice(0, 2).map((b) => b.id)).toContain(targetBuilding)
    const next1 = await pullAfter(leader1, first1.cursor)
    expect(next1.changes.map((c) => [c.table, c.id, (c.record as Resident).phone])).toEqual([['residents', target.id, '13999998888']])
    expect((await pullAfter(leader2, first2.cursor)).changes).toEqual([])

    // The same file again: nothing new to pull.
    expect((await send('import', changed)).status).toBe(200)
    expect((await pullAfter(leader1, next1.cursor)).changes).toEqual([])
  })

  it('moves out a resident the file leaves out, keeps the record, and moves them back in', async () => {
    const imported = await send('import', demoCsv({ leaveOut: target.id }))
    expect(imported.status, imported.body).toBe(200)
    expect((imported.json as RosterPreview).residents.movedOut).toBe(1)
    const row = await api.tables().selectFrom('records').select(['data', 'deleted_at']).where('table_name', '=', 'residents').where('id', '=', target.id).executeTakeFirstOrThrow()
    expect(row.deleted_at).toBeNull()
    expect(JSON.parse(row.data)).toMatchObject({ id: target.id, movedOutAt: expect.any(String) })

    const back = await send('import', demoCsv())
    expect((back.json as RosterPreview).residents).toMatchObject({ changed: 1, movedOut: 0 })
    const again = await api.tables().selectFrom('records').select('data').where('table_name', '=', 'residents').where('id', '=', target.id).executeTakeFirstOrThrow()
    expect(JSON.parse(again.data)).toMatchObject({ movedOutAt: null, phone: target.phone })
  })

  it('refuses a file with any problem with 422 and the preview, writing nothing', async () => {
    const before = await counter()
    const bad = demoCsv({ phoneOf: (r) => (r.id === target.id ? '1.38101E+10' : '13700000000') })
    const refused = await send('import', bad)
    expect(refused.status, refused.body).toBe(422)
    const body = refused.json as RosterRefusal
    expect(body.error).toBe('invalid_roster')
    expect(body.preview.problems).toEqual([{ row: expect.any(Number), column: '电话', code: 'scientific_phone', message: expect.stringContaining('科学计数法') }])
    expect(body.preview.residents.changed).toBeGreaterThan(0)
    expect(await counter()).toBe(before)
  })

  it('exports the roster, which imports again changing nothing', async () => {
    const exported = await api.call('GET', `/api/v1/communities/${demoCommunity.id}/roster.xlsx`, { token: office })
    expect(exported.status).toBe(200)
    expect(exported.headers['content-type']).toBe(ROSTER_XLSX_TYPE)
    expect(exported.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('南门社区花名册.xlsx')}`)
    const bytes = api.app && (await api.app.inject({ method: 'GET', url: `/api/v1/communities/${demoCommunity.id}/roster.xlsx`, headers: { authorization: `Bearer ${office}` } })).rawPayload
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    expect(workbook.worksheets[0]!.actualRowCount).toBe(demoResidents.length + 1)

    const before = await counter()
    const again = await send('import', bytes, office, demoCommunity.id, ROSTER_XLSX_TYPE)
    expect(again.status, again.body).toBe(200)
    expect((again.json as RosterPreview).households).toEqual({ added: 0, changed: 0, unchanged: demoHouseholds.length })
    expect(await counter()).toBe(before)
  })

  it('lets office staff of the community and admins in; a leader is refused and another community is unknown', async () => {
    const csv = demoCsv()
    for (const step of ['preview', 'import'] as const) {
      expect((await send(step, csv, leader1)).status).toBe(403)
      expect((await send(step, csv, (await api.login('office2')).token)).status).toBe(404)
      expect((await send(step, csv, (await api.login('admin1')).token)).status).toBe(200)
      expect((await send(step, csv, office, 'c-nowhere')).status).toBe(404)
    }
    expect((await api.call('GET', `/api/v1/communities/${demoCommunity.id}/roster.xlsx`, { token: leader1 })).status).toBe(403)
    expect((await api.call('GET', `/api/v1/communities/${demoCommunity.id}/roster.xlsx`, { token: (await api.login('office2')).token })).status).toBe(404)
    expect((await api.call('GET', '/api/v1/roster/template.xlsx', { token: leader1 })).status).toBe(200)
    expect((await api.call('GET', '/api/v1/roster/template.xlsx')).status).toBe(401)
  })

  it('refuses 20 MB and more with 413 and a message in plain words, and a file that is no spreadsheet with the reason', async () => {
    const big = await send('preview', Buffer.alloc(20 * 1024 * 1024, 0x41), office, demoCommunity.id, 'application/octet-stream')
    expect(big.status).toBe(413)
    expect(big.json).toEqual({ error: 'payload_too_large', message: expect.stringContaining('20MB') })
    const junk = await send('import', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]), office, demoCommunity.id, 'application/octet-stream')
    expect(junk.status).toBe(422)
    expect((junk.json as RosterRefusal).preview.problems).toEqual([{ row: null, column: null, code: 'not_spreadsheet', message: expect.stringContaining('不是表格文件') }])
  })
})
