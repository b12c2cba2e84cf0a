/*
 * How a place is named wherever people read it: on the phone, in the workspace, in the files the office
 * exports. Zod-free, so that the first screen may use it.
 */

/** A building: its address, and its local name where it has one (南门路115号之二 · 老粮站宿舍). */
export function buildingLabel(building: { address: string; name?: string | null }): string {
  return building.name ? `${building.address} · ${building.name}` : building.address
}
