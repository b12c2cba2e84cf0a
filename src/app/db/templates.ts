import { z } from 'zod'
import { ChecklistTemplate, uuidv7 } from '@/domain'
import type { DoorstepDatabase, TemplateOutboxEntry } from './database'
import { ValidationError, guardQuota } from './errors'

/**
 * The office's checklist templates. A new version is written like every record: validated whole, then stored
 * with the outbox entry that publishes it, in one transaction. Versions only go up: one that is not newer
 * than the newest on this phone (another tab published meanwhile) is refused before anything is written,
 * as the server would refuse it.
 */
export function templateRepository(db: DoorstepDatabase) {
  return {
    publish(template: ChecklistTemplate): Promise<ChecklistTemplate> {
      return guardQuota(() =>
        db.transaction('rw', [db.templates, db.outbox], async () => {
          const parsed = ChecklistTemplate.safeParse(template)
          if (!parsed.success) throw new ValidationError(parsed.error)
          const saved = parsed.data
          const newest = Math.max(0, ...(await db.templates.where('id').equals(saved.id).toArray()).map((t) => t.version))
          if (saved.version <= newest) {
            throw new ValidationError(new z.ZodError([{ code: 'custom', input: saved.version, path: ['version'], message: `Version ${newest} is already here` }]))
          }
          const entry: TemplateOutboxEntry = {
            mutationId: uuidv7(),
            table: 'templates',
            recordId: saved.id,
            baseRev: null,
            change: { kind: 'template.publish', template: saved },
            record: saved,
            createdAt: saved.publishedAt,
          }
          await Promise.all([db.templates.put(saved), db.outbox.add(entry)])
          return saved
        }),
      )
    },
  }
}
