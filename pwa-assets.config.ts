import { defineConfig } from '@vite-pwa/assets-generator/config'

/*
 * Every icon comes from public/icon.svg (`npm run icons`; the PNGs are committed). The SVG is full-bleed
 * green with the house inside the maskable safe zone (a circle of 40 % radius), so one drawing serves
 * every shape a launcher cuts: no padding is added, and iOS, which fills transparency with black, gets
 * the same green to the edges.
 */
const GREEN = '#1d6f42'

export default defineConfig({
  headLinkOptions: { preset: '2023' },
  preset: {
    transparent: { sizes: [192, 512], padding: 0, favicons: [[48, 'favicon.ico']] },
    maskable: { sizes: [512], padding: 0, resizeOptions: { background: GREEN } },
    apple: { sizes: [180], padding: 0, resizeOptions: { background: GREEN } },
  },
  images: ['public/icon.svg'],
})
