import { describe, expect, it } from 'vitest'
import { htmlAssets, staticImports } from '../../bench/first-screen'

describe('first-screen counting', () => {
  it("takes the module script, modulepreloads, stylesheets and the app's entry from the HTML, not icons, manifest, other metas or hosts", () => {
    const html = `<link rel="icon" href="/icon.svg"><link rel="manifest" href="/manifest.webmanifest">
      <script type="module" crossorigin src="/assets/index-a.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/vendor-b.js">
      <link rel='stylesheet' href='/assets/index-c.css'>
      <meta name="app-entry" content="/assets/entry-d.js"><meta name="description" content="/not-a-file">
      <script src="https://example.invalid/tracker.js"></script>`
    expect(htmlAssets(html)).toEqual(['/assets/index-a.js', '/assets/vendor-b.js', '/assets/index-c.css', '/assets/entry-d.js'])
  })

  it("follows a chunk's static imports and re-exports, not its dynamic imports", () => {
    const chunk = `import{a as e}from"./vendor-b.js";import"./side-effect.js";export{x}from"./re-export.js";` +
      `const s="import x from './in-a-string.js'";const lazy=()=>import("./VisitList-d.js");`
    expect(staticImports(chunk)).toEqual(['./vendor-b.js', './side-effect.js', './re-export.js'])
  })
})
