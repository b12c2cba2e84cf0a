/** Which kind of unfinished form a draft is, as the home screen names it. */
export type DraftKind = 'visitNew' | 'visitEdit' | 'issueNew' | 'issueEdit' | 'issueComment' | 'inspectionNew' | 'inspection' | 'canvassNew' | 'canvassAnswer' | 'mediationNew' | 'mediation' | 'mentorNote'

/**
 * Where to resume a draft, from the key its form saved it under: the route of that form. Null for a key
 * no form of this version writes. The keys:
 *   visit:new · visit:follows:<visitId> · visit:<id> · issue:new · issue:from:<inspectionId>:<itemId> · issue:<id> ·
 *   issue:<id>:comment · inspection:new · inspection:<id> · canvass:new:<buildingId> · canvass:<id>:<householdId> ·
 *   mediation:new:<buildingId> · mediation:<id>:session · mediation:<id>:outcome ·
 *   mentorNote:<mentorshipId>:<subject kind>:<subject id> (the mentor's screen, where the row's sheet brings it back)
 */
export function draftLink(key: string): { kind: DraftKind; to: string } | null {
  const [type, id, ...rest] = key.split(':')
  if (!id) return null
  const path = encodeURIComponent(id)
  if (type === 'visit' && id === 'follows' && rest.length === 1 && rest[0]) {
    return { kind: 'visitNew', to: `/visits/new?${new URLSearchParams({ follows: rest[0] })}` }
  }
  if (type === 'visit' && !rest.length) {
    return id === 'new' ? { kind: 'visitNew', to: '/visits/new' } : { kind: 'visitEdit', to: `/visits/${path}/edit` }
  }
  if (type === 'issue') {
    if (id === 'new' && !rest.length) return { kind: 'issueNew', to: '/issues/new' }
    if (id === 'from' && rest.length === 2 && rest.every(Boolean)) {
      const query = new URLSearchParams({ inspectionId: rest[0]!, itemId: rest[1]! })
      return { kind: 'issueNew', to: `/issues/new?${query}` }
    }
    if (!rest.length) return { kind: 'issueEdit', to: `/issues/${path}/edit` }
    if (rest.length === 1 && rest[0] === 'comment') return { kind: 'issueComment', to: `/issues/${path}` }
  }
  if (type === 'inspection' && !rest.length) {
    return id === 'new' ? { kind: 'inspectionNew', to: '/inspections/new' } : { kind: 'inspection', to: `/inspections/${path}` }
  }
  if (type === 'canvass' && rest.length === 1 && rest[0]) {
    if (id === 'new') return { kind: 'canvassNew', to: `/canvasses/new?${new URLSearchParams({ buildingId: rest[0] })}` }
    return { kind: 'canvassAnswer', to: `/canvasses/${path}/households/${encodeURIComponent(rest[0])}` }
  }
  if (type === 'mediation' && rest.length === 1) {
    if (id === 'new' && rest[0]) return { kind: 'mediationNew', to: `/mediations/new?${new URLSearchParams({ buildingId: rest[0] })}` }
    if (rest[0] === 'session' || rest[0] === 'outcome') return { kind: 'mediation', to: `/mediations/${path}` }
  }
  if (type === 'mentorNote' && rest.length === 2 && rest.every(Boolean)) return { kind: 'mentorNote', to: `/mentees/${path}` }
  return null
}

/**
 * Where a draft is about, from the fields its form saved: the household of a visit, else the building of a
 * report or an inspection, with the report's own location. Empty for a draft with no place yet (or a
 * comment): then home names the kind of form only.
 */
export function draftPlace(data: unknown): { householdId?: string; buildingId?: string; location?: string } {
  if (!data || typeof data !== 'object') return {}
  const text = (key: string) => {
    const value = (data as Record<string, unknown>)[key]
    return typeof value === 'string' && value.trim() ? value.trim() : undefined
  }
  return { householdId: text('householdId'), buildingId: text('buildingId'), location: text('location') }
}
