import { afterEach, describe, expect, it, vi } from 'vitest'
import { ZipReader, BlobReader, TextWriter } from '@zip.js/zip.js'
import { createRepositories } from '@/app/db'
import { db } from '@/app/db/database'
import SettingsRescue from '@/app/features/settings/SettingsRescue.vue'
import { RESCUE_JSON, type RescueFile, type User } from '@/domain'
import { visitFields } from '../fixtures'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

afterEach(() => {
  vi.restoreAllMocks()
})

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

async function signedIn(role: User['role']) {
  const user: User = { id: 'u-leader1', username: 'leader1', displayName: '陈楼长', role, communityId: 'c-nanmen', buildingIds: [] }
  await db.meta.bulkPut([
    { key: 'syncDeviceId', value: 'd-9' },
    { key: 'userId', value: user.id },
    { key: 'user', value: JSON.stringify(user) },
  ])
}

/** A phone signed in as leader1 on device d-9, with a visit made and edited offline: two changes waiting. */
async function phoneWithWork(role: User['role'] = 'leader') {
  await signedIn(role)
  const repos = createRepositories(db)
  const visit = await repos.visits.create(visitFields(), { userId: 'u-leader1', deviceId: 'd-9' })
  await repos.visits.update(visit.id, { outcome: '下周再来' })
}

/** Catches the download: the file the object URL was made of, and the name the link saves it under. */
function downloads() {
  const saved: Array<{ file: Blob; name: string }> = []
  let made: Blob | undefined
  vi.spyOn(URL, 'createObjectURL').mockImplementation((file) => {
    made = file as Blob
    return 'blob:rescue'
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ file: made!, name: this.download })
  })
  return saved
}

async function fill(wrapper: Wrapper, password: string, repeat: string) {
  await fieldLabelled(wrapper, '文件密码').find('input').setValue(password)
  await fieldLabelled(wrapper, '再输一遍').find('input').setValue(repeat)
  await buttonNamed(wrapper, '导出文件').trigger('submit')
}

describe('导出没同步的记录, on 我的', () => {
  it('exports the waiting changes as a file the password opens, after the password is typed twice alike, and keeps them', async () => {
    await phoneWithWork()
    const saved = downloads()
    const { wrapper } = await mountWithApp(SettingsRescue, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('手机上有 2 条记录还没交到社区'))

    await buttonNamed(wrapper, '导出没同步的记录').trigger('click')
    await fill(wrapper, '12345', '12345')
    expect(errorOf(wrapper, '文件密码').text()).toBe('密码至少要6位')
    await fill(wrapper, '楼长密码123', '楼长密码124')
    expect(errorOf(wrapper, '再输一遍').text()).toBe('两次输的密码不一样')
    expect(saved).toEqual([])

    await fill(wrapper, '楼长密码123', '楼长密码123')
    await vi.waitFor(() => expect(saved).toHaveLength(1))
    expect(saved[0]!.name).toMatch(/^楼长助手-没同步的记录-\d{4}-\d{2}-\d{2}\.zip$/)
    await vi.waitFor(() => expect(wrapper.find('[role="status"]').text()).toContain(saved[0]!.name))

    const reader = new ZipReader(new BlobReader(saved[0]!.file), { password: '楼长密码123', useWebWorkers: false })
    const [entry] = await reader.getEntries()
    expect(entry).toMatchObject({ filename: RESCUE_JSON, directory: false, encrypted: true, zipCrypto: false })
    if (!entry || entry.directory) throw new Error('no rescue.json in the file')
    const file = JSON.parse(await entry.getData(new TextWriter())) as RescueFile
    expect(file).toMatchObject({ deviceId: 'd-9', userId: 'u-leader1' })
    expect(file.mutations).toHaveLength(2)
    expect(await db.outbox.count()).toBe(2)
  })

  it('holds its count while a sync writes its answers, and counts again once the run is over', async () => {
    await phoneWithWork()
    const { wrapper } = await mountWithApp(SettingsRescue, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('手机上有 2 条记录还没交到社区'))

    // As a push's settling does: the run marks itself, then answered entries leave the outbox batch by batch.
    await db.meta.put({ key: 'syncing', value: new Date().toISOString() })
    await db.outbox.limit(1).delete()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(wrapper.text()).toContain('手机上有 2 条记录还没交到社区')

    await db.meta.delete('syncing')
    await vi.waitFor(() => expect(wrapper.text()).toContain('手机上有 1 条记录还没交到社区'))
  })

  it('is not shown while nothing waits, nor to office staff, whose work the server takes only online', async () => {
    await signedIn('leader')
    const idle = await mountWithApp(SettingsRescue, { route: '/settings' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(idle.wrapper.text()).toBe('')
    idle.wrapper.unmount()

    await phoneWithWork('office')
    const office = await mountWithApp(SettingsRescue, { route: '/settings' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(office.wrapper.text()).toBe('')
  })
})
