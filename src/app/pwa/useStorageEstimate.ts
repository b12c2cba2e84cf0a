import { onMounted, shallowRef } from 'vue'

export interface StorageState {
  usage: number
  quota: number
  persisted: boolean
}

/** Storage used and available for this origin, and whether the browser promised to keep it. */
export function useStorageEstimate() {
  const isSupported = typeof navigator !== 'undefined' && !!navigator.storage?.estimate
  const state = shallowRef<StorageState | null>(null)

  async function refresh() {
    if (!isSupported) return
    const [estimate, persisted] = await Promise.all([
      navigator.storage.estimate(),
      navigator.storage.persisted?.() ?? Promise.resolve(false),
    ])
    state.value = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted }
  }

  onMounted(refresh)
  return { isSupported, state, refresh }
}

/** Bytes as the leader reads them: 12.3 MB, 1.2 GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`
}
