import { fileURLToPath } from 'node:url'
import { startStaticServer } from './static'

// `npm start`: serves the built app. The sync server joins this process in a later step.
const root = fileURLToPath(new URL('../../dist', import.meta.url))
const port = Number(process.env.PORT ?? 8080)
// Loopback by default: a service worker needs a secure context, which plain http has only on localhost.
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`)

const server = await startStaticServer({ root, port, host })
// A wildcard address is not something a browser can open.
const url = host === '0.0.0.0' || host === '::' ? server.url.replace(/\/\/.*:/, '//localhost:') : server.url
console.log(`楼长助手 · Doorstep is running: open ${url}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)))
}
