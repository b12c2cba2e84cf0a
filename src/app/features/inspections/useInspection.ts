import { inspectionSource, type ChecklistTemplate, type Inspection, type IssueReport } from '@/domain'
import { queries, useLiveQuery } from '@/app/db/read'

/** An inspection with the exact template version it followed. */
export async function withTemplate(inspection: Inspection): Promise<{ inspection: Inspection; template: ChecklistTemplate | undefined }> {
  return { inspection, template: await queries.template(inspection.templateId, inspection.templateVersion) }
}

export interface LoadedInspection {
  inspection: Inspection
  template: ChecklistTemplate
  /** The report raised from each failed item, by item id (the newest, if there are several). */
  issueByItem: Map<string, IssueReport>
}

/** One inspection, live, with its template and the reports raised from it; null once it is known to be missing. */
export function useInspection(id: () => string) {
  return useLiveQuery(async (): Promise<LoadedInspection | null> => {
    const found = await queries.inspection(id())
    if (!found || found.deletedAt) return null
    const { inspection, template } = await withTemplate(found)
    if (!template) return null
    const issues = await queries.issuesFromInspection(inspection)
    const issueByItem = new Map(issues.flatMap((issue) => { const source = inspectionSource(issue.source); return source ? [[source.itemId, issue] as const] : [] }))
    return { inspection, template, issueByItem }
  }, [id])
}
