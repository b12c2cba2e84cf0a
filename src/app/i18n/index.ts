import { defineAsyncComponent, type Component } from 'vue'
import { createI18n } from 'vue-i18n'
import { LOCALES, type Locale } from '@/domain/locales'
import frame from './frame'
import home from '@/app/features/home/messages'
import pwa from '@/app/pwa/messages'
import { nextTask, whileLoading } from '@/app/shell'

/** One feature's words in every locale, as `defineMessages` returns them. */
export type MessagePart = Record<Locale, object>

/** Words the first screen shows (the frame, home, the update prompt) load with it. */
const firstScreen: MessagePart[] = [frame, home, pwa]

function firstScreenCatalog(locale: Locale) {
  return Object.assign({}, frame[locale], home[locale], pwa[locale]) as (typeof frame)['zh-CN'] & (typeof home)['zh-CN'] & (typeof pwa)['zh-CN']
}

/**
 * The words of screens behind lazy routes come with those screens (see `meta.messages` in router.ts), so the
 * first screen does not carry every feature's text in both languages.
 */
export const lazyMessages = {
  common: () => import('./common'),
  visits: () => import('@/app/features/visits/messages'),
  issues: () => import('@/app/features/issues/messages'),
  inspections: () => import('@/app/features/inspections/messages'),
  households: () => import('@/app/features/households/messages'),
  settings: () => import('@/app/features/settings/messages'),
  office: () => import('@/app/features/office/messages'),
  officeTemplates: () => import('@/app/features/office/templates/messages'),
  officeCoverage: () => import('@/app/features/office/coverage-messages'),
  officeDevices: () => import('@/app/features/office/devices/messages'),
  reportNews: () => import('@/app/features/home/news-messages'),
  homeDrafts: () => import('@/app/features/home/drafts-messages'),
  officeReport: () => import('@/app/features/office/report/messages'),
  account: () => import('@/app/features/session/account-messages'),
  sync: () => import('@/app/features/session/messages'),
  worklist: () => import('@/app/features/worklist/messages'),
  campaigns: () => import('@/app/features/campaigns/messages'),
  canvass: () => import('@/app/features/canvass/messages'),
  officeCanvass: () => import('@/app/features/office/canvasses/messages'),
  canvassTally: () => import('@/app/features/canvass/shortfall-messages'),
  canvassLink: () => import('@/app/features/canvass-link/messages'),
  points: () => import('@/app/features/points/messages'),
  mediation: () => import('@/app/features/mediation/messages'),
  mentorship: () => import('@/app/features/mentorship/messages'),
  lock: () => import('@/app/features/lock/messages'),
  pwaCards: () => import('@/app/pwa/card-messages'),
} satisfies Record<string, () => Promise<{ default: MessagePart }>>
export type LazyMessages = keyof typeof lazyMessages

/** Merges into the i18n the app runs with (the latest one made). */
let mergeIntoApp: ((locale: Locale, words: object) => void) | undefined
/** Each part asked for, merged once it is in: a second ask while it loads waits for the same import. */
const loading = new Map<LazyMessages, Promise<void>>()

/** The app's i18n, with the first screen's words and any `extra` parts (tests pass every feature's). */
export function createAppI18n(locale: Locale = 'zh-CN', extra: MessagePart[] = []) {
  loading.clear()
  const i18n = createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': firstScreenCatalog('zh-CN'), en: firstScreenCatalog('en') },
  })
  mergeIntoApp = (target, words) => i18n.global.mergeLocaleMessage(target, words)
  for (const part of extra) for (const target of LOCALES) mergeIntoApp(target, part[target])
  return i18n
}

/**
 * Adds the words of lazily loaded screens to the running app, once each. Any screen's words come with the words
 * the screens beyond home share (./common.ts), which the first screen does not carry.
 */
export async function loadMessages(names: LazyMessages[]): Promise<void> {
  const parts: LazyMessages[] = names.length > 0 ? ['common', ...names] : []
  await Promise.all(
    parts.map((name) => {
      let part = loading.get(name)
      if (!part) {
        part = lazyMessages[name]().then(({ default: words }) => {
          for (const locale of LOCALES) mergeIntoApp?.(locale, words[locale])
        })
        // A chunk that failed to load (offline before the precache was whole) is asked for again next time.
        part.catch(() => loading.get(name) === part && loading.delete(name))
        loading.set(name, part)
      }
      return part
    }),
  )
}

/**
 * A component loaded after first paint together with the words it shows (from the precache, offline too):
 * what the first screen can do without a moment, so that its chunk stays small. With `afterRender`, its loading
 * starts in a task of its own: starting an import appends a link per chunk and stylesheet it needs, and home's
 * several parts would otherwise do all of it inside the first render, one long task (Lighthouse's TBT).
 */
export function withMessages(load: () => Promise<{ default: Component }>, names: LazyMessages[], { afterRender = false } = {}) {
  const start = () => Promise.all([load(), loadMessages(names)]).then(([module]) => module)
  // `preload`: loads both before the component is first shown (a screen that is about to follow), once for both.
  return Object.assign(defineAsyncComponent(() => whileLoading(afterRender ? nextTask().then(start) : start())), { preload: start })
}

/** Every part, first-screen and lazy: for tests that mount any screen and check all catalogs. */
export async function allMessageParts(): Promise<MessagePart[]> {
  const lazy = await Promise.all(Object.values(lazyMessages).map((load) => load()))
  return [...firstScreen, ...lazy.map((m) => m.default)]
}

/** The full catalog per locale. */
export async function allMessages(): Promise<Record<Locale, object>> {
  const parts = await allMessageParts()
  return { 'zh-CN': Object.assign({}, ...parts.map((p) => p['zh-CN'])), en: Object.assign({}, ...parts.map((p) => p.en)) }
}
