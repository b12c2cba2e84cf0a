import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { db } from '@/app/db/database'
import { deviceAuthor } from '@/app/db/device'
import type { Author } from '@/app/db/records'

/** Who this device writes as. Sign-in (sync) will put the real user here. */
export const useSession = defineStore('session', () => {
  const author = shallowRef<Author | null>(null)

  async function load(): Promise<Author> {
    author.value ??= await deviceAuthor(db)
    return author.value
  }

  return { author, load }
})
