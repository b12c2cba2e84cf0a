import { NewCampaign } from '@/domain'

/** The launch form as the office fills it in; the deadline as a `datetime-local` value, read as China time. */
export interface LaunchForm {
  title: string
  note: string
  templateId: string
  /** Every building of the community, or only `buildingIds`. */
  allBuildings: boolean
  buildingIds: string[]
  deadline: string
}

/** What stops a launch, as the key of its words (officeCampaigns.problem.*). */
export type LaunchProblem = 'title' | 'template' | 'buildings' | 'deadline' | 'pastDeadline'

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/

/** A `datetime-local` value read as China time (UTC+8, no daylight saving), whatever zone this computer is set to. */
export function chinaTimeToIso(local: string): string | null {
  if (!LOCAL_TIME.test(local)) return null
  const at = new Date(`${local}:00+08:00`)
  return Number.isNaN(at.getTime()) ? null : at.toISOString()
}

/** The `datetime-local` value of an instant in China time. */
export function isoToChinaTime(iso: string): string {
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16)
}

/** The request the form makes, or the first thing to fix. */
export function launchRequest(form: LaunchForm, now = new Date()): { request: NewCampaign } | { problem: LaunchProblem } {
  if (!form.title.trim()) return { problem: 'title' }
  if (!form.templateId) return { problem: 'template' }
  if (!form.allBuildings && form.buildingIds.length === 0) return { problem: 'buildings' }
  const deadline = chinaTimeToIso(form.deadline)
  if (!deadline) return { problem: 'deadline' }
  if (deadline <= now.toISOString()) return { problem: 'pastDeadline' }
  const request = NewCampaign.parse({
    title: form.title,
    note: form.note,
    templateId: form.templateId,
    buildingIds: form.allBuildings ? [] : form.buildingIds,
    deadline,
  })
  return { request }
}
