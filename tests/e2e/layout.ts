/*
 * Layout checks run inside the page (page.evaluate(layoutProblems)), shared by the suites that look at screens:
 * the function is passed to the page whole, so it names no helper outside itself.
 */

export interface Problem {
  kind: 'overlap' | 'clipped' | 'untranslated'
  text: string
  other?: string
}

/**
 * Text that overlaps other text, or does not fit its box, on the screen as laid out now. Every visible text
 * node's line boxes (Range.getClientRects) are compared with every other's, and with the node's own other
 * lines (too small a line height piles a paragraph's lines onto each other); lines a line clamp hides are left
 * out. Text inside a fixed or sticky bar is only compared with text in the same bar: the page scrolls under the
 * bars by design. Tags, labels, buttons and titles must hold their text (scrollWidth within clientWidth), and a select its chosen option. Nor
 * may a screen show a message key instead of its words (each screen loads its own: src/app/i18n).
 */
export function layoutProblems(): Problem[] {
  const problems: Problem[] = []
  const hidden = (el: Element | null) => {
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e)
      if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0' || e.classList.contains('visually-hidden')) return true
    }
    return false
  }
  const layerOf = (el: Element | null) => {
    for (let e = el; e; e = e.parentElement) if (['fixed', 'sticky'].includes(getComputedStyle(e).position)) return e
    return null
  }
  const TOLERANCE = 1
  const boxes: Array<{ node: Node; layer: Element | null; rect: DOMRect; text: string }> = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const node = walker.currentNode
    const text = node.textContent?.trim() ?? ''
    if (!text || hidden(node.parentElement)) continue
    // A message key shown as it is (`sync.status.done`): its words were not loaded with the screen.
    if (/^[a-z][A-Za-z]*(\.[A-Za-z]\w*)+$/.test(text)) problems.push({ kind: 'untranslated', text })
    const range = document.createRange()
    range.selectNodeContents(node)
    // Lines cut off on purpose by a line clamp (a list's two-line summary) are laid out but not shown.
    let shownTo = Infinity
    for (let e = node.parentElement; e; e = e.parentElement) {
      if (getComputedStyle(e).webkitLineClamp !== 'none') shownTo = Math.min(shownTo, e.getBoundingClientRect().bottom)
    }
    for (const rect of range.getClientRects()) {
      if (rect.top >= shownTo - TOLERANCE) continue
      if (rect.width > 1 && rect.height > 1) boxes.push({ node, layer: layerOf(node.parentElement), rect, text: text.slice(0, 24) })
    }
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!]
      if (a.layer !== b.layer) continue
      // Pieces of one line of one node share their top; only different lines of a node can collide.
      if (a.node === b.node && Math.abs(a.rect.top - b.rect.top) < TOLERANCE) continue
      const across = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left)
      const down = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top)
      if (across > TOLERANCE && down > TOLERANCE) problems.push({ kind: 'overlap', text: a.text, other: b.text })
    }
  }
  const holders = '.van-tag, .van-button__text, .van-cell__title, .van-cell__value, .van-field__label, .app-page__title, .app-tabbar__item span, button, .choice-buttons__option'
  for (const el of document.querySelectorAll(holders)) {
    if (hidden(el) || !el.textContent?.trim()) continue
    if (el.scrollWidth > el.clientWidth + TOLERANCE || el.scrollHeight > el.clientHeight + TOLERANCE) {
      problems.push({ kind: 'clipped', text: el.textContent.trim().slice(0, 24) })
    }
  }
  // A select shows its chosen option in the browser's own box: measure that text in the select's font against
  // the room left beside the arrow.
  for (const select of document.querySelectorAll('select')) {
    const chosen = select.selectedOptions[0]?.text.trim()
    if (hidden(select) || !chosen) continue
    const style = getComputedStyle(select)
    const probe = Object.assign(document.createElement('span'), { textContent: chosen })
    Object.assign(probe.style, { position: 'absolute', visibility: 'hidden', whiteSpace: 'pre', font: style.font, letterSpacing: style.letterSpacing })
    document.body.append(probe)
    const ARROW = 20
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - ARROW
    if (probe.getBoundingClientRect().width > room + TOLERANCE) problems.push({ kind: 'clipped', text: chosen })
    probe.remove()
  }
  return problems
}
