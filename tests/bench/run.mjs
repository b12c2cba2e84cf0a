// `npm run bench`: runs the TypeScript benchmarks (tests/bench/main.ts) through tsx.
import { register } from 'tsx/esm/api'

register()
await import('./main.ts')
