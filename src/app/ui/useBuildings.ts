import { computed } from 'vue'
import { buildingLabel } from '@/domain/labels'
import { queries, useLiveQuery } from '@/app/db/read'


/** The leader's buildings, live: as picker options and as labels for records that name a building. */
export function useBuildings() {
  const buildings = useLiveQuery(() => queries.buildings())
  const byId = computed(() => new Map((buildings.value ?? []).map((b) => [b.id, b])))
  const options = computed(() => (buildings.value ?? []).map((b) => ({ value: b.id, label: buildingLabel(b) })))
  /** The label of a building, or its id while the list loads or if it is not on this phone. */
  const labelOf = (id: string) => {
    const building = byId.value.get(id)
    return building ? buildingLabel(building) : id
  }
  return { buildings, options, labelOf }
}
