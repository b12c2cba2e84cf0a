import type { ManifestOptions } from 'vite-plugin-pwa'

export type ManifestScreenshot = ManifestOptions['screenshots'][number]

/**
 * The web app manifest; vite-plugin-pwa writes it as manifest.webmanifest. Icons come from
 * public/icon.svg (`npm run icons`); screenshots are the ones present at build time
 * (scripts/vite-screenshots.ts), so that the manifest never names a file that is not there.
 */
export function webManifest(screenshots: ManifestScreenshot[] = []): Partial<ManifestOptions> {
  return {
    id: '/',
    name: '楼长助手 · Doorstep',
    short_name: '楼长助手',
    description: '志愿楼长入户走访、诉求上报、安全巡查，没有网络也能用。',
    lang: 'zh-CN',
    dir: 'ltr',
    start_url: './',
    scope: './',
    display: 'standalone',
    orientation: 'portrait',
    theme_color: '#1d6f42',
    background_color: '#ffffff',
    icons: [
      { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: 'maskable-icon-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
    screenshots,
  }
}
