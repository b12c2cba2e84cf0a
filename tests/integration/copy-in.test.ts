import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { copyInto, copyRow } from '@/server/cli/copy-in'
import { createTestDatabase, postgresUnavailable } from './postgres'

/** COPY FROM STDIN through pg itself (src/server/cli/copy-in.ts), as `npm run seed:city` uses it. */

const unavailable = inject('postgresUrl') ? null : postgresUnavailable()

describe.skipIf(unavailable)('copyInto [postgres]', () => {
  let client: pg.Client

  beforeAll(async () => {
    client = new pg.Client({ connectionString: await createTestDatabase(inject('postgresUrl')) })
    await client.connect()
    await client.query('create table t (n integer, s text)')
  })

  afterAll(async () => {
    await client?.end()
  })

  it('copies values with tabs, line breaks, backslashes and nulls as they are, from a generator of rows', async () => {
    const tricky = ['a\tb', 'line\nbreak\r', 'back\\slash \\N', '{"需要":"楼道灯"}', null]
    function* rows() {
      for (const [i, s] of tricky.entries()) yield copyRow([i, s])
      // Enough rows to fill several chunks and wait on the socket.
      for (let i = 0; i < 20_000; i++) yield copyRow([100 + i, 'x'.repeat(100)])
    }
    expect(await copyInto(client, 't', ['n', 's'], rows())).toBe(tricky.length + 20_000)
    const { rows: back } = await client.query<{ s: string | null }>('select s from t where n < 100 order by n')
    expect(back.map((r) => r.s)).toEqual(tricky)
    // The client is free for the next query.
    expect((await client.query('select count(*)::int as n from t')).rows[0]).toEqual({ n: tricky.length + 20_000 })
  })

  it('copies nothing when making the rows fails halfway, and the client goes on', async () => {
    await client.query('truncate t')
    async function* rows() {
      for (let i = 0; i < 5_000; i++) yield copyRow([i, 'x'.repeat(100)])
      throw new Error('the generator broke')
    }
    await expect(copyInto(client, 't', ['n', 's'], rows())).rejects.toThrow(/the generator broke/)
    expect((await client.query('select count(*)::int as n from t')).rows[0]).toEqual({ n: 0 })
  })

  it("answers the server's refusal of a row, and copies none of them", async () => {
    await client.query('truncate t')
    const rows = [copyRow([1, 'fine']), copyRow(['not a number', 'refused'])]
    await expect(copyInto(client, 't', ['n', 's'], rows)).rejects.toThrow(/invalid input syntax for type integer/)
    expect((await client.query('select count(*)::int as n from t')).rows[0]).toEqual({ n: 0 })
  })
})
