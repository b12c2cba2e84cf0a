import type { AuditDetail } from '@/domain'

type Translate = (key: string) => string

/** An event's details in words, `格式：csv；从：2026-11-01`: known keys by their label, empty values left out. */
export function detailText(detail: AuditDetail, t: Translate, te: (key: string) => boolean): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => {
      const label = te(`officeAudit.keys.${key}`) ? t(`officeAudit.keys.${key}`) : key
      const text = typeof value === 'boolean' ? t(value ? 'officeAudit.yes' : 'officeAudit.no') : Array.isArray(value) ? value.join('、') : String(value)
      return `${label}：${text}`
    })
    .join('；')
}
