import { parseArgs } from 'node:util'
import { generateCity } from './city'

/**
 * `npm run seed:city -- [--visits N] [--reports N] [--communities N]`: a year of a city's data (./city.ts)
 * into the new, empty PostgreSQL database named by DATABASE_URL. Defaults: issue 12's 5 million visits and
 * 1 million reports in 300 communities of 100 buildings.
 */
const { values } = parseArgs({
  options: {
    visits: { type: 'string', default: '5000000' },
    reports: { type: 'string', default: '1000000' },
    communities: { type: 'string' },
    buildings: { type: 'string' },
    households: { type: 'string' },
  },
})
const url = process.env.DATABASE_URL
if (!url?.startsWith('postgres')) {
  console.error('Set DATABASE_URL to a new, empty PostgreSQL database (postgres://…)')
  process.exit(2)
}
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value))
const started = performance.now()
const city = await generateCity(url, {
  visits: Number(values.visits),
  reports: Number(values.reports),
  communities: number(values.communities),
  buildingsPerCommunity: number(values.buildings),
  householdsPerBuilding: number(values.households),
  log: console.log,
})
console.log(`${city.communities} communities, ${city.buildings.toLocaleString('en')} buildings, ${city.leaders.length.toLocaleString('en')} leaders, ${city.records.toLocaleString('en')} records in ${((performance.now() - started) / 1000).toFixed(1)} s`)
