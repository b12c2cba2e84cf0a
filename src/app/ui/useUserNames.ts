import { computed } from 'vue'
import { mayBeAssigned, type UserCard } from '@/domain'
import { queries, useLiveQuery } from '@/app/db/read'

/**
 * Who did something, by name: the community's name cards (db.users), live. A card that has not arrived
 * yet (before the first sync, or a colleague added since) shows the caller's neutral word, such as 楼长 or
 * 社区工作人员, never the raw id: ids mean nothing to the person reading.
 */
export function useUserNames() {
  const cards = useLiveQuery(() => queries.users())
  const byId = computed(() => new Map((cards.value ?? []).map((card) => [card.id, card])))
  const nameOf = (id: string | null | undefined, fallback: string) => (id && byId.value.get(id)?.displayName) || fallback
  /** The office's active staff, by name: those a report may be assigned to (the phone holds its community's cards only). */
  const staff = computed<UserCard[]>(() =>
    (cards.value ?? []).filter((card) => mayBeAssigned(card, card.communityId)).sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-CN')),
  )
  return { cards, nameOf, staff }
}
