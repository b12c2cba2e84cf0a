import type { Household, MediationParty } from '@/domain'

type Translate = (key: string, values?: Record<string, unknown>) => string

/** A flat as leaders say it: 2单元 302, or its room alone in a building of one stairwell. */
export function flatLabel(household: Pick<Household, 'entrance' | 'unit'>, t: Translate): string {
  return household.entrance ? t('mediation.flat', { entrance: household.entrance.replace(/单元$/, ''), unit: household.unit }) : household.unit
}

/** A party as the case shows it: the flat and whoever came for it, or the name alone. */
export function partyLabel(party: MediationParty, households: ReadonlyMap<string, Household>, t: Translate): string {
  const household = party.householdId ? households.get(party.householdId) : undefined
  return [household && flatLabel(household, t), party.name].filter(Boolean).join(' ')
}
