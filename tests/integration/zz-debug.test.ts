import { it } from 'vitest'
import { startApi } from './api'
import { registerDevice, provisionCommunity } from './phones'

it('restart during pull', async () => {
  const api = await startApi('postgres')
  const c = await provisionCommunity(api.storage)
  const s = await registerDevice(api.storage, c.users.office)
  const p = api.app.inject({ method: 'GET', url: '/api/v1/sync/pull', headers: { authorization: `Bearer ${s.token}` } }).then((r) => console.log('pull', r.statusCode, r.body.slice(0, 100)), (e) => console.log('pull err', e))
  console.log('restarting')
  const t = setInterval(() => console.log('tick'), 1000)
  await api.restart()
  console.log('restarted')
  await p
  clearInterval(t)
  await api.close()
}, 20000)
