import type { Plugin } from 'vite'

/**
 * Vant's icon CSS names a spare copy of its font on a CDN after the inline one. The app never needs it (the
 * inline font always loads), the CSP forbids it, and offline it can only fail: drop it from the CSS.
 */
export function vantInlineIconFontOnly(): Plugin {
  return {
    name: 'doorstep:vant-inline-icon-font-only',
    transform(code, id) {
      if (!/vant\/es\/icon\/index\.css$/.test(id)) return null
      const stripped = code.replace(/,\s*url\(\/\/at\.alicdn\.com[^)]*\)\s*format\("woff"\)/g, '')
      if (stripped === code) this.warn('the CDN font URL in Vant icon CSS has changed: check scripts/vite-vant.ts')
      return { code: stripped, map: null }
    },
  }
}
