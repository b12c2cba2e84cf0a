import { afterAll, beforeAll, it } from 'vitest'
import { describeEngines, startApi, type TestApi } from './api'
import { injectForward } from './network'
import { checkSyncModel } from './sync-model'

/*
 * The sync model (./sync-model.ts) against one server per engine, reached through inject; a restart stops
 * the server under its requests and starts it again on the same database. DOORSTEP_FUZZ_RUNS sets the runs
 * per engine (1000 by default, 10000 in `npm run test:soak`).
 */

const RUNS = Number(process.env.DOORSTEP_FUZZ_RUNS ?? 1000)

describeEngines('sync model: random work on three phones, with faults, converges', (engine) => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi(engine)
  })
  afterAll(() => api?.close())

  it(
    `holds its invariants over ${RUNS} seeded runs`,
    () => checkSyncModel(api, injectForward(api), RUNS, engine),
    // About 0.1 s a run, with room for a slow machine and for shrinking a failure.
    Math.max(120_000, RUNS * 600),
  )
})
