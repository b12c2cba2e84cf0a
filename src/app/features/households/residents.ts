import { needsCare, type Resident } from '@/domain/households'

/**
 * The residents who live there (not those a roster import moved out, who stay for the history of visits),
 * those who need a closer eye first, then by name: the order a leader reads a household in.
 */
export function careFirst(residents: readonly Resident[]): Resident[] {
  return residents
    .filter((r) => !r.movedOutAt)
    .sort((a, b) => Number(needsCare(b)) - Number(needsCare(a)) || a.name.localeCompare(b.name, 'zh-CN'))
}
