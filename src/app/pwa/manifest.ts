import type { ManifestOptions } from 'vite-plugin-pwa'

/** The web app manifest; vite-plugin-pwa writes it as manifest.webmanifest. */
export const manifest: Partial<ManifestOptions> = {
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
    { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
}
