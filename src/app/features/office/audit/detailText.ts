import type { AuditDetail } from '@/domain'

type Translate = (key: string) => string

/**
 * An event's details in words, `格式：csv；来源：同步`: known keys and values by their label (values under
 * `officeAudit.values.<key>`), empty values left out.
 */
export function detailText(detail: AuditDetail, t: Translate, te: (key: string) => boolean): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => {
      const label = te(`officeAudit.keys.${key}`) ? t(`officeAudit.keys.${key}`) : key
      const word = (v: string) => (te(`officeAudit.values.${key}.${v}`) ? t(`officeAudit.values.${key}.${v}`) : v)
      const text = typeof value === 'boolean' ? t(value ? 'officeAudit.yes' : 'officeAudit.no') : Array.isArray(value) ? value.map(word).join('、') : word(String(value))
      return `${label}：${text}`
    })
    .join('；')
}
