import type { CampaignProgress, IssueStatus } from '@/domain'

/** A hazard is settled once its report is resolved or closed; a rejected report leaves the hazard where it was. */
const SETTLED: readonly IssueStatus[] = ['resolved', 'closed']

/** The campaign's figures in one line of the report. */
export function campaignReport({ buildings, hazards }: Pick<CampaignProgress, 'buildings' | 'hazards'>) {
  const done = buildings.filter((b) => b.state === 'done')
  return {
    done: done.length,
    total: buildings.length,
    late: done.filter((b) => b.late).length,
    notDone: buildings.length - done.length,
    hazards: hazards.length,
    unresolved: hazards.filter((h) => !h.issueStatus || !SETTLED.includes(h.issueStatus)).length,
  }
}
