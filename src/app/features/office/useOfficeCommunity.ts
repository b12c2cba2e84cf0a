import { computed, ref } from 'vue'
import { storeToRefs } from 'pinia'
import type { Community } from '@/domain'

/** What the workspace needs of the community it works on: the set-up calls take its id, the header shows its name. */
export type OfficeCommunity = Pick<Community, 'id' | 'name'>
import { queries, useLiveQuery } from '@/app/db/read'
import { useSync } from '@/app/stores/sync'

/*
 * The community the workspace works on. Office staff are fixed to their own; an admin (whose account
 * belongs to none) picks one under 社区, remembered on this computer so that a reload keeps it.
 */

const KEY = 'doorstep.office.community'

function readPicked(): OfficeCommunity | null {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? 'null') as OfficeCommunity | null
    return saved && typeof saved.id === 'string' && typeof saved.name === 'string' ? saved : null
  } catch {
    return null
  }
}

const picked = ref<OfficeCommunity | null>(readPicked())

export function useOfficeCommunity() {
  const { user } = storeToRefs(useSync())
  const isStaff = computed(() => user.value?.role === 'office' || user.value?.role === 'admin')
  const isAdmin = computed(() => user.value?.role === 'admin')
  const own = useLiveQuery(async () => (user.value?.communityId ? ((await queries.community(user.value.communityId)) ?? null) : null), [
    () => user.value?.communityId,
  ])

  const community = computed<OfficeCommunity | null>(() => {
    if (isAdmin.value) return picked.value
    const id = user.value?.communityId
    // Before the first sync the community's record is not here yet: its id still serves the set-up calls.
    return id ? { id, name: own.value?.name ?? '' } : null
  })

  function pick(next: OfficeCommunity) {
    picked.value = { id: next.id, name: next.name }
    globalThis.localStorage?.setItem(KEY, JSON.stringify(picked.value))
  }

  return { user, isStaff, isAdmin, community, pick }
}
