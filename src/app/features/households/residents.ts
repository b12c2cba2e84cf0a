import { needsCare, type Resident } from '@/domain/households'

/** Residents who need a closer eye first, then by name: the order a leader reads a household in. */
export function careFirst(residents: readonly Resident[]): Resident[] {
  return [...residents].sort((a, b) => Number(needsCare(b)) - Number(needsCare(a)) || a.name.localeCompare(b.name, 'zh-CN'))
}
