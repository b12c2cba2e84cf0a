import { afterAll, beforeAll, expect, test } from 'vitest'
import { addDays, CANVASS_RULES, CanvassAnswer, chinaDay, chinaDayStart, tallyCanvass, uuidv7, type Canvass, type CanvassFields, type Change } from '@/domain'
import { SIGNATURE_MAX_BYTES } from '@/domain/canvass-links'
import { JPEG_1x1, png, sha256 } from '../fixtures/images'
import { mutation } from '../fixtures/mutations'
import { describeEngines, pushBody, startApi, type Answer, type TestApi } from './api'

/** Households of b-nanmen-115-2 (leader1's building) in the demo data. */
const B = 'b-nanmen-115-2'
const H101 = `${B}-101`
const H102 = `${B}-102`
const SIGNATURE = png(300, 120, 0x20)
const DAY_MS = 24 * 60 * 60 * 1000

const error = (answer: Answer) => [answer.status, (answer.json as { error?: string } | undefined)?.error]
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1)

describeEngines('one-time answer links', (engine) => {
  let api: TestApi
  let nowMs = Date.now()
  let leader: { token: string; deviceId: string }

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(nowMs) })
    leader = await api.login('leader1')
  }, 60_000)
  afterAll(() => api?.close())

  /** Leader1 opens a canvass of two households of their building, as the phone pushes it; its id. */
  async function openCanvass(fields: Partial<CanvassFields> = {}): Promise<Canvass> {
    const id = uuidv7()
    const canvass: CanvassFields = {
      buildingId: B,
      entrance: '',
      kind: 'vote',
      question: '是否同意加装电梯？',
      note: '费用按楼层分摊',
      households: [
        { householdId: H101, area: 60 },
        { householdId: H102, area: 70 },
      ],
      rule: CANVASS_RULES.civil_code_278,
      deadline: null,
      target: null,
      closedAt: null,
      ...fields,
    }
    const at = new Date(nowMs).toISOString()
    const pushed = await api.call('POST', '/api/v1/sync/push', {
      token: leader.token,
      json: pushBody(leader.deviceId, [mutation.put('canvasses', id, { ...canvass, createdAt: at })]),
    })
    expect((pushed.json as { results: Array<{ status: string }> }).results[0]?.status, pushed.body).toBe('applied')
    return { ...canvass, id } as Canvass
  }

  const makeLink = (canvassId: string, householdId = H101, token = leader.token) =>
    api.call('POST', `/api/v1/canvasses/${canvassId}/links`, { token, json: { householdId } })

  async function newLink(canvassId: string, householdId = H101): Promise<{ id: string; token: string; expiresAt: string }> {
    const made = await makeLink(canvassId, householdId)
    expect(made.status, made.body).toBe(201)
    const { id, url, expiresAt } = made.json as { id: string; url: string; expiresAt: string }
    return { id, token: tokenOf(url), expiresAt }
  }

  const show = (token: string) => api.call('GET', `/api/v1/public/answer/${token}`)
  const answer = (token: string, body: Record<string, unknown> = {}) =>
    api.call('POST', `/api/v1/public/answer/${token}`, {
      json: { answer: 'agree', name: '陈先生', signature: SIGNATURE.toString('base64'), ...body },
    })
  const links = (canvassId: string, token = leader.token) => api.call('GET', `/api/v1/canvasses/${canvassId}/links`, { token })

  test('an owner answers once through the link; the leader’s phone pulls the answer and its signature, and the tally counts it', async () => {
    const canvass = await openCanvass()
    // The phone has caught up and skips its own echoes, as it does every day.
    let cursor = ''
    for (;;) {
      const page = (await api.call('GET', `/api/v1/sync/pull?limit=1000&echoes=skip&cursor=${cursor}`, { token: leader.token })).json as { cursor: string; hasMore: boolean }
      cursor = page.cursor
      if (!page.hasMore) break
    }

    const made = await makeLink(canvass.id)
    expect(made.status, made.body).toBe(201)
    const { url, expiresAt } = made.json as { url: string; expiresAt: string }
    expect(url).toMatch(/^http:\/\/[^/]+\/answer\/[A-Za-z0-9_-]{43}$/)
    expect(expiresAt).toBe(new Date(nowMs + 7 * DAY_MS).toISOString())
    const token = tokenOf(url)

    const shown = await show(token)
    expect(shown.status, shown.body).toBe(200)
    expect(shown.json).toEqual({
      kind: 'vote',
      question: '是否同意加装电梯？',
      note: '费用按楼层分摊',
      community: '南门社区',
      building: '南门路115号之二',
      entrance: '',
      unit: '101',
      deadline: null,
      target: null,
      expiresAt,
    })
    // Nothing of the other household, nobody's name.
    expect(shown.body).not.toContain('102')
    expect(shown.body).not.toContain(H101)

    const answered = await answer(token, { answer: 'object', name: ' 陈国强 ' })
    expect(answered.status, answered.body).toBe(204)

    const pulled = await api.call('GET', `/api/v1/sync/pull?limit=1000&echoes=skip&cursor=${cursor}`, { token: leader.token })
    const answers = (pulled.json as { changes: Change[] }).changes.filter((c) => c.table === 'canvassAnswers').map((c) => CanvassAnswer.parse(c.record))
    expect(answers).toHaveLength(1)
    expect(answers[0]).toMatchObject({
      canvassId: canvass.id,
      buildingId: B,
      householdId: H101,
      answer: 'object',
      respondent: 'link',
      respondentName: '陈国强',
      signature: 'drawn',
      photos: [sha256(SIGNATURE)],
      createdBy: 'u-leader1',
    })
    const photo = await api.call('GET', `/api/v1/attachments/${sha256(SIGNATURE)}`, { token: leader.token })
    expect(photo.status).toBe(200)
    expect(Buffer.from(photo.body, 'latin1').length).toBeGreaterThan(0)
    expect(photo.headers['content-type']).toBe('image/png')

    const tally = tallyCanvass(canvass, answers)
    expect(tally.byAnswer.object.households).toBe(1)
    expect(tally.participants.households).toBe(1)

    // Once only: the page and a second answer are told plainly.
    expect(error(await show(token))).toEqual([410, 'link_used'])
    expect(error(await answer(token))).toEqual([410, 'link_used'])
    const listed = (await links(canvass.id)).json as Array<{ householdId: string; state: string; usedAt: string | null }>
    expect(listed).toEqual([expect.objectContaining({ householdId: H101, state: 'used', usedAt: expect.any(String) })])
  })

  test('a second link for the household revokes the first; a revoked or unknown link is refused alike', async () => {
    const canvass = await openCanvass()
    const first = await newLink(canvass.id)
    const second = await newLink(canvass.id)
    const other = await newLink(canvass.id, H102)
    expect(error(await show(first.token))).toEqual([410, 'link_revoked'])
    expect(error(await answer(first.token))).toEqual([410, 'link_revoked'])
    expect((await show(second.token)).status).toBe(200)

    const revoked = await api.call('POST', `/api/v1/canvass-links/${other.id}/revoke`, { token: leader.token })
    expect(revoked.status, revoked.body).toBe(200)
    expect(revoked.json).toMatchObject({ id: other.id, state: 'revoked' })
    expect(error(await show(other.token))).toEqual([410, 'link_revoked'])
    expect(error(await show('A'.repeat(43)))).toEqual([410, 'link_revoked'])

    const listed = (await links(canvass.id)).json as Array<{ id: string; state: string }>
    expect(Object.fromEntries(listed.map((l) => [l.id, l.state]))).toEqual({ [other.id]: 'revoked', [second.id]: 'pending', [first.id]: 'revoked' })

    expect((await answer(second.token)).status).toBe(204)
    expect(error(await api.call('POST', `/api/v1/canvass-links/${second.id}/revoke`, { token: leader.token }))).toEqual([409, 'conflict'])
  })

  test('a link expires after 7 days, or when the canvass’s deadline day ends if sooner', async () => {
    const canvass = await openCanvass()
    const link = await newLink(canvass.id)
    const today = chinaDay(new Date(nowMs))
    const soon = await newLink((await openCanvass({ deadline: addDays(today, 2) })).id)
    expect(soon.expiresAt).toBe(chinaDayStart(addDays(today, 3)))
    const started = nowMs
    try {
      nowMs = Date.parse(link.expiresAt)
      expect(error(await show(link.token))).toEqual([410, 'link_expired'])
      expect(error(await answer(link.token))).toEqual([410, 'link_expired'])
      expect(error(await show(soon.token))).toEqual([410, 'link_expired'])
      expect(((await links(canvass.id)).json as Array<{ state: string }>)[0]?.state).toBe('expired')
    } finally {
      nowMs = started
    }
    // A canvass past its deadline makes none.
    const past = await openCanvass({ deadline: addDays(today, -1) })
    expect(error(await makeLink(past.id))).toEqual([409, 'conflict'])
  })

  test('no link for a closed canvass, nor for a household it does not ask; a link dies with its canvass closing', async () => {
    const closed = await openCanvass({ closedAt: new Date(nowMs).toISOString() })
    expect(error(await makeLink(closed.id))).toEqual([409, 'conflict'])
    const canvass = await openCanvass()
    expect(error(await makeLink(canvass.id, `${B}-201`))).toEqual([400, 'bad_request'])

    const link = await newLink(canvass.id)
    const closing = await api.call('POST', '/api/v1/sync/push', {
      token: leader.token,
      json: pushBody(leader.deviceId, [mutation.put('canvasses', canvass.id, { closedAt: new Date(nowMs).toISOString() }, 1)]),
    })
    expect((closing.json as { results: Array<{ status: string }> }).results[0]?.status, closing.body).toBe('applied')
    expect(error(await show(link.token))).toEqual([410, 'link_expired'])
  })

  test('only the leader of the building sends links; the office of the community sees and revokes them', async () => {
    const canvass = await openCanvass()
    const leader2 = await api.login('leader2')
    const office1 = await api.login('office1')
    const office2 = await api.login('office2')
    expect(error(await makeLink(canvass.id, H101, leader2.token))).toEqual([404, 'not_found'])
    expect(error(await makeLink(canvass.id, H101, office2.token))).toEqual([404, 'not_found'])
    expect(error(await links(canvass.id, leader2.token))).toEqual([404, 'not_found'])
    expect(error(await links(canvass.id, office2.token))).toEqual([404, 'not_found'])
    expect(error(await api.call('POST', `/api/v1/canvasses/${canvass.id}/links`, { json: { householdId: H101 } }))).toEqual([401, 'unauthorized'])

    const link = await newLink(canvass.id)
    expect(error(await api.call('POST', `/api/v1/canvass-links/${link.id}/revoke`, { token: leader2.token }))).toEqual([404, 'not_found'])
    expect(error(await api.call('POST', `/api/v1/canvass-links/${link.id}/revoke`, { token: office2.token }))).toEqual([404, 'not_found'])
    expect((await show(link.token)).status).toBe(200)

    // The office sees and revokes the building's links; it sends none, as answers are recorded as their sender's.
    expect(error(await makeLink(canvass.id, H102, office1.token))).toEqual([403, 'forbidden'])
    expect(((await links(canvass.id, office1.token)).json as Array<{ id: string }>).map((l) => l.id)).toEqual([link.id])
    const revoked = await api.call('POST', `/api/v1/canvass-links/${link.id}/revoke`, { token: office1.token })
    expect(revoked.json).toMatchObject({ id: link.id, state: 'revoked' })
  })

  test('a signature that is no PNG, or too large, is refused and the link stays usable', async () => {
    const canvass = await openCanvass()
    const link = await newLink(canvass.id)
    expect(error(await answer(link.token, { signature: JPEG_1x1.toString('base64') }))).toEqual([400, 'bad_request'])
    expect(error(await answer(link.token, { signature: Buffer.from('not a picture at all').toString('base64') }))).toEqual([400, 'bad_request'])
    const oversized = Buffer.concat([SIGNATURE, Buffer.alloc(SIGNATURE_MAX_BYTES)])
    expect(error(await answer(link.token, { signature: oversized.toString('base64') }))).toEqual([400, 'bad_request'])
    expect(error(await answer(link.token, { name: '' }))).toEqual([400, 'bad_request'])
    expect(error(await answer(link.token, { answer: 'unreachable' }))).toEqual([400, 'bad_request'])
    expect((await show(link.token)).status).toBe(200)
    expect((await answer(link.token, { signature: `data:image/png;base64,${SIGNATURE.toString('base64')}` })).status).toBe(204)
  })
})

describeEngines('one-time answer links: throttling', (engine) => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi(engine, { limits: { loginPerAddress: { free: 3, firstDelayMs: 60_000, maxDelayMs: 3_600_000, forgetAfterMs: 3_600_000 } } })
  }, 60_000)
  afterAll(() => api?.close())

  test('guessing tokens waits like guessing passwords, and a usable link costs nothing', async () => {
    const leader = await api.login('leader1')
    const id = uuidv7()
    const at = new Date().toISOString()
    await api.call('POST', '/api/v1/sync/push', {
      token: leader.token,
      json: pushBody(leader.deviceId, [
        mutation.put('canvasses', id, {
          buildingId: B, entrance: '', kind: 'vote', question: '楼道改造', note: '', households: [{ householdId: H101, area: 60 }],
          rule: CANVASS_RULES.civil_code_278, deadline: null, target: null, closedAt: null, createdAt: at,
        }),
      ]),
    })
    const made = await api.call('POST', `/api/v1/canvasses/${id}/links`, { token: leader.token, json: { householdId: H101 } })
    const token = tokenOf((made.json as { url: string }).url)
    // A usable link is taken back, however often it is opened.
    for (let i = 0; i < 5; i++) expect((await api.call('GET', `/api/v1/public/answer/${token}`)).status).toBe(200)
    for (let i = 0; i < 3; i++) expect(error(await api.call('GET', `/api/v1/public/answer/${'B'.repeat(42)}${i}`))).toEqual([410, 'link_revoked'])
    const blocked = await api.call('GET', `/api/v1/public/answer/${'B'.repeat(43)}`)
    expect(error(blocked)).toEqual([429, 'too_many_requests'])
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    // The address waits, whatever it asks next.
    expect(error(await api.call('GET', `/api/v1/public/answer/${token}`))).toEqual([429, 'too_many_requests'])
  })
})
