/*
 * A name for this phone, guessed from the browser's user agent, so that the office can tell a leader's
 * devices apart when one is lost ("Android · Chrome", "iPhone · Safari"). Brand and browser names are the
 * same in every language, so nothing here is language text; an unknown agent gives null and the form
 * leaves the field for the leader to fill in.
 */

const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/HarmonyOS/i, 'HarmonyOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'Mac'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

// Order matters: most browsers also claim to be Chrome and Safari, so the specific names come first.
const BROWSERS: [RegExp, string][] = [
  [/MicroMessenger/, 'WeChat'],
  [/HuaweiBrowser/, 'Huawei Browser'],
  [/MiuiBrowser/, 'Mi Browser'],
  [/UCBrowser/, 'UC'],
  [/QQBrowser/, 'QQ Browser'],
  [/SamsungBrowser/, 'Samsung Internet'],
  [/EdgA?\//, 'Edge'],
  [/Firefox|FxiOS/, 'Firefox'],
  [/Chrome|CriOS|Chromium/, 'Chrome'],
  [/Safari/, 'Safari'],
]

const first = (agent: string, list: [RegExp, string][]) => list.find(([pattern]) => pattern.test(agent))?.[1]

/** "System · browser" from a user agent, or null when neither is recognised. */
export function deviceNameFrom(userAgent: string): string | null {
  const parts = [first(userAgent, SYSTEMS), first(userAgent, BROWSERS)].filter(Boolean)
  return parts.length ? parts.join(' · ') : null
}
