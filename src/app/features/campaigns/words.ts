import type { Campaign, CampaignReminder } from '@/domain'
import { formatDateTime } from '@/app/ui/format'

type Translate = (key: string, named: Record<string, unknown>) => string

/** The deadline as the leader reads it: when it is, or that it has passed. */
export function deadlineText(campaign: Pick<Campaign, 'deadline'>, t: Translate, locale: string, now = new Date()): string {
  const time = formatDateTime(campaign.deadline, locale, now)
  return t(new Date(campaign.deadline) < now ? 'campaigns.overdue' : 'campaigns.deadline', { time })
}

/** The office's newest reminder: the one the leader must see. */
export function newestReminder(campaign: Pick<Campaign, 'reminders'>): CampaignReminder | undefined {
  return campaign.reminders.reduce<CampaignReminder | undefined>((newest, r) => (!newest || r.at > newest.at ? r : newest), undefined)
}

export function reminderText(reminder: CampaignReminder, t: Translate, locale: string, now = new Date()): string {
  return t('campaigns.reminder', { time: formatDateTime(reminder.at, locale, now), text: reminder.text })
}
