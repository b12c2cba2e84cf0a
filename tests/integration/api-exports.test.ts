import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Mutation } from '@/domain'
import { demoCommunity, demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'
import { inspectionFields, visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { describeEngines, expectSafeAnswer, newIssue, pushBody, startApi, type TestApi } from './api'

/** A note a resident could not type but an attacker could: Excel would run it as a command if it were a formula. */
const INJECTION = "=cmd|' /C calc'!A0"

const household = demoHouseholds.find((h) => h.buildingId === 'b-nanmen-115-2' && h.unit === '101')!
const resident = demoResidents.find((r) => r.householdId === household.id && r.phone)!
const template = demoTemplates[0]!
const failedItem = template.items[1]!

const VISIT_HEADERS = ['走访时间', '楼栋', '单元', '房号', '见到的居民', '联系电话', '关爱对象', '其他在场的人', '走访类型', '走访内容', '了解到的需求', '处理结果', '回访日期', '照片', '走访人', '记录编号']

describeEngines('exports of visits, issue reports and inspections', (engine) => {
  let api: TestApi
  let office: string
  let leader1: { token: string; deviceId: string }
  const visitId = uuidv7()
  const issueId = uuidv7()
  const inspectionId = uuidv7()

  async function push(who: { token: string; deviceId: string }, mutations: Mutation[]) {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    expect((answer.json as { results: Array<{ status: string }> }).results.map((r) => r.status)).toEqual(mutations.map(() => 'applied'))
  }

  beforeAll(async () => {
    api = await startApi(engine)
    const officeDevice = await api.login('office1')
    office = officeDevice.token
    leader1 = await api.login('leader1')
    const fields = { householdId: household.id, buildingId: household.buildingId, residentIds: [resident.id], needs: INJECTION, followUpOn: '2026-12-01' }
    // 23:30 on 30 November in China: a November visit although it is 15:30 UTC.
    await push(leader1, [mutation.put('visits', visitId, visitFields({ ...fields, visitedAt: '2026-11-30T15:30:00.000Z' }))])
    // Enough visits of another day for the export to read the records table in several pages.
    for (let batch = 0; batch < 2; batch++) {
      await push(
        leader1,
        Array.from({ length: 300 }, () => mutation.put('visits', uuidv7(), visitFields({ visitedAt: '2026-10-05T02:00:00.000Z', needs: '' }))),
      )
    }
    await push(leader1, [
      mutation.put('issues', issueId, newIssue({ category: 'elevator', location: '+1楼电梯口' }).fields),
      mutation.put(
        'inspections',
        inspectionId,
        inspectionFields({
          completedAt: '2026-11-20T04:00:00.000Z',
          answers: Object.fromEntries(template.items.map((item) => [item.id, { result: item.id === failedItem.id ? 'fail' : 'pass', note: item.id === failedItem.id ? '@楼道堆了纸箱' : '', photos: [] }])),
        }),
      ),
    ])
    await push(officeDevice, [mutation.status(issueId, 'accepted')])
  })
  afterAll(() => api?.close())

  async function download(url: string, token = office) {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/communities/${demoCommunity.id}/exports/${url}`, headers: { authorization: `Bearer ${token}` } })
    let json: unknown
    try {
      json = JSON.parse(response.body)
    } catch {
      json = undefined
    }
    expectSafeAnswer({ status: response.statusCode, headers: response.headers, body: response.body, json }, `GET ${url}`)
    return { status: response.statusCode, headers: response.headers, bytes: response.rawPayload, json }
  }

  async function sheetOf(bytes: Buffer): Promise<ExcelJS.Worksheet> {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    return workbook.worksheets[0]!
  }

  /** The sheet's data rows, keyed by the record id in the last column. */
  function rowsById(sheet: ExcelJS.Worksheet): Map<string, ExcelJS.Row> {
    const rows = new Map<string, ExcelJS.Row>()
    sheet.eachRow((row, n) => {
      if (n > 1) rows.set(String(row.getCell(row.cellCount).value), row)
    })
    return rows
  }

  it('exports visits as .xlsx with Chinese headers, text cells for rooms and phones, China-time dates and no formula', async () => {
    const file = await download('visits.xlsx')
    expect(file.status).toBe(200)
    expect(file.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(file.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('南门社区走访记录.xlsx')}`)
    const sheet = await sheetOf(file.bytes)
    expect(sheet.name).toBe('走访记录')
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(VISIT_HEADERS)
    const rows = rowsById(sheet)
    expect(rows.size).toBe(601)
    const row = rows.get(visitId)!
    const cell = (header: string) => row.getCell(VISIT_HEADERS.indexOf(header) + 1)

    expect(cell('走访时间').type).toBe(ExcelJS.ValueType.Date)
    expect((cell('走访时间').value as Date).toISOString()).toBe('2026-11-30T23:30:00.000Z')
    expect(cell('走访时间').numFmt).toBe('yyyy-mm-dd hh:mm')
    expect((cell('回访日期').value as Date).toISOString()).toBe('2026-12-01T00:00:00.000Z')
    expect(cell('回访日期').numFmt).toBe('yyyy-mm-dd')

    expect(cell('房号').type).toBe(ExcelJS.ValueType.String)
    expect(cell('房号').value).toBe('101')
    expect(cell('房号').numFmt).toBe('@')
    expect(cell('联系电话').type).toBe(ExcelJS.ValueType.String)
    expect(cell('联系电话').value).toBe(resident.phone)

    expect(cell('了解到的需求').type).toBe(ExcelJS.ValueType.String)
    expect(cell('了解到的需求').formula).toBeUndefined()
    expect(cell('了解到的需求').value).toBe(INJECTION)

    expect(cell('楼栋').value).toBe('南门路115号之二')
    expect(cell('见到的居民').value).toBe(resident.name)
    expect(cell('走访类型').value).toBe('政策宣讲')
    expect(cell('走访内容').value).toBe('粤省事养老金年审')
    expect(cell('走访人').value).toBe('演示楼长')
  })

  it('exports visits as CSV in UTF-8 with a BOM, formula-like text behind a quote, China time', async () => {
    const file = await download('visits.csv')
    expect(file.status).toBe(200)
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = file.bytes.toString('utf8').slice(1).split('\r\n')
    expect(lines[0]).toBe(VISIT_HEADERS.join(','))
    const line = lines.find((l) => l.endsWith(visitId))!
    expect(line.startsWith('2026-11-30 23:30,南门路115号之二,,101,')).toBe(true)
    expect(line).toContain(`,'${INJECTION},`)
    expect(line).toContain(',2026-12-01,0,演示楼长,')
  })

  it('narrows by China day and by building', async () => {
    const novemberFile = await download('visits.xlsx?from=2026-11-01&to=2026-11-30')
    // Named for the office's files, with the days it holds.
    expect(novemberFile.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('南门社区走访记录2026-11-01至2026-11-30.xlsx')}`)
    const november = await sheetOf(novemberFile.bytes)
    expect([...rowsById(november).keys()]).toEqual([visitId])
    const december = await sheetOf((await download('visits.xlsx?from=2026-12-01')).bytes)
    expect(rowsById(december).size).toBe(0)
    const otherBuilding = await sheetOf((await download('visits.xlsx?buildingId=b-nanmen-117')).bytes)
    expect(rowsById(otherBuilding).size).toBe(0)
    const october = await download('visits.csv?to=2026-10-31&buildingId=b-nanmen-115-2')
    expect(october.bytes.toString('utf8').trimEnd().split('\r\n')).toHaveLength(601)
  })

  it('exports issue reports in words, with when they were accepted, and filters by status and category', async () => {
    const sheet = await sheetOf((await download('issues.xlsx')).bytes)
    const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[]
    const row = rowsById(sheet).get(issueId)!
    const cell = (header: string) => row.getCell(headers.indexOf(header) + 1)
    expect(cell('类别').value).toBe('电梯')
    expect(cell('状态').value).toBe('已受理')
    expect(cell('紧急程度').value).toBe('紧急')
    expect(cell('位置').value).toBe('+1楼电梯口')
    expect(cell('位置').type).toBe(ExcelJS.ValueType.String)
    expect(cell('受理时间').type).toBe(ExcelJS.ValueType.Date)
    expect(cell('解决时间').value).toBeNull()
    expect(cell('上报人').value).toBe('演示楼长')

    expect(rowsById(await sheetOf((await download('issues.xlsx?status=accepted&category=elevator')).bytes)).size).toBe(1)
    expect(rowsById(await sheetOf((await download('issues.xlsx?status=resolved')).bytes)).size).toBe(0)
    expect(rowsById(await sheetOf((await download('issues.xlsx?category=repair')).bytes)).size).toBe(0)
    const csv = (await download('issues.csv')).bytes.toString('utf8')
    expect(csv).toContain(",'+1楼电梯口,")
  })

  it('exports inspections with the template, the result and each failed item with its note', async () => {
    const sheet = await sheetOf((await download('inspections.xlsx')).bytes)
    const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[]
    expect(headers).toEqual(['开始时间', '完成时间', '楼栋', '检查表', '版本', '结果', '不合格项数', '不合格项', '巡查人', '记录编号'])
    const row = rowsById(sheet).get(inspectionId)!
    const cell = (header: string) => row.getCell(headers.indexOf(header) + 1)
    expect(cell('检查表').value).toBe(template.title)
    expect(cell('结果').value).toBe('有问题')
    expect(cell('不合格项数').value).toBe(1)
    expect(cell('不合格项').value).toBe(`${failedItem.label}：@楼道堆了纸箱`)
    expect((cell('完成时间').value as Date).toISOString()).toBe('2026-11-20T12:00:00.000Z')
    // Dated by its completion (China days), as the monthly report counts it.
    const completedOn = async (query: string) => rowsById(await sheetOf((await download(`inspections.xlsx?${query}`)).bytes)).has(inspectionId)
    expect(await completedOn('from=2026-11-20&to=2026-11-20')).toBe(true)
    expect(await completedOn('to=2026-11-19')).toBe(false)
    expect(await completedOn('from=2026-11-21')).toBe(false)
  })

  it('lets office staff of the community and admins export; leaders are refused and other offices find nothing', async () => {
    const admin = (await api.login('admin1')).token
    const office2 = (await api.login('office2')).token
    expect((await download('visits.csv', admin)).status).toBe(200)
    expect((await download('visits.xlsx', leader1.token)).status).toBe(403)
    expect((await download('issues.csv', leader1.token)).status).toBe(403)
    expect((await download('visits.xlsx', office2)).status).toBe(404)
    expect((await download('visits.xlsx', 'not-a-token')).status).toBe(401)
  })

  it('refuses bad filters with 400', async () => {
    for (const query of ['from=2026-13-01', 'to=yesterday', 'from=2026-11-30&to=2026-11-01', 'buildingId=b-elsewhere']) {
      const answer = await download(`visits.xlsx?${query}`)
      expect(answer.status, query).toBe(400)
      expect(answer.json).toMatchObject({ error: 'bad_request' })
    }
    expect((await download('issues.csv?status=done')).status).toBe(400)
    expect((await download('issues.csv?category=noise')).status).toBe(400)
  })
})
