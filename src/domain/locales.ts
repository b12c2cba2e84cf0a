/** The app's languages, Chinese first. Its own module: the first screen needs it, not validation's messages. */
export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
