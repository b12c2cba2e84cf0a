type Translate = (key: string, values?: Record<string, unknown>) => string

/**
 * A stairwell as leaders say it (2单元), and with a room the flat (2单元 302); a building with one
 * stairwell has no entrance name, and its flats are their room numbers alone.
 */
export function entranceLabel(entrance: string, t: Translate, unit?: string): string {
  const name = entrance ? t('canvass.entrance', { name: entrance.replace(/单元$/, '') }) : ''
  return [name, unit].filter(Boolean).join(' ')
}
