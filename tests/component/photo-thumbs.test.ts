import { describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import PhotoThumbs from '@/app/ui/PhotoThumbs.vue'
import { mountWithApp } from './setup'

const SHA = (c: string) => c.repeat(64)
const bytes = (n: number) => new Uint8Array(n).fill(7).buffer

describe('PhotoThumbs', () => {
  it('shows a downloaded thumbnail, and for a photo not here with no way to fetch it a placeholder, never a broken image', async () => {
    await db.photoCache.put({ sha256: SHA('a'), size: 'thumb', data: bytes(10), type: 'image/jpeg', bytes: 10, usedAt: '2026-12-01T00:00:00.000Z' })

    // Nobody is signed in here: nothing can be downloaded, as offline.
    const { wrapper } = await mountWithApp(PhotoThumbs, { props: { photos: [SHA('a'), SHA('b')] } })

    await vi.waitFor(() => expect(wrapper.findAll('img')).toHaveLength(1))
    expect(wrapper.get('img').attributes()).toMatchObject({ alt: '第 1 张照片', 'data-sha256': SHA('a') })
    expect(wrapper.get('button').attributes('aria-label')).toBe('看第 1 张大图')
    await vi.waitFor(() => expect(wrapper.get('.photo-thumbs__missing').text()).toBe('照片还没下载，联网后可看'), { timeout: 5000 })
  })
})
