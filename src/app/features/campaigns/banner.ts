import { defineAsyncComponent } from 'vue'
import { loadMessages } from '@/app/i18n'

/** The campaign banner for home, loaded after first paint with its words, so that the first chunk stays small. */
export const CampaignBanner = defineAsyncComponent(() =>
  Promise.all([import('./CampaignBanner.vue'), loadMessages(['campaigns'])]).then(([component]) => component),
)
