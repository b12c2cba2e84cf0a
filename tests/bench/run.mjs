// `npm run bench`: runs the TypeScript benchmarks (tests/bench/main.ts) through tsx.
import { register } from 'tsx/esm/api'

register()
// What vite's `define` puts in the app's bundles; the Node benchmarks import the sync engine as it is.
globalThis.__APP_VERSION__ = 'bench'
await import('./main.ts')
