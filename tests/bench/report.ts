import { readFile, writeFile } from 'node:fs/promises'

/** What every benchmark of `npm run bench` reports: one table, its explanation and its targets. */

export const KB = 1000

export interface Table {
  title: string
  /** How the figures were made and what the baseline is. */
  about: string
  head: string[]
  rows: string[][]
  /** Targets and whether they were met (see `target`), and any other remark, one bullet each. */
  notes: string[]
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The value at p % of the sorted values (p = 99 of 500 values: the sixth highest). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`
export const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(2)} s`
export const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`
export const ratio = (value: number) => `${value.toFixed(2)}×`
export const count = (value: number) => Math.round(value).toLocaleString('en')
/** A note on a target: met or **MISSED**. */
export const target = (met: boolean, text: string) => `Target ${met ? 'met' : '**MISSED**'}: ${text}`

/** The table as a section of docs/benchmarks.md. */
export function markdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [
    `## ${table.title}`,
    '',
    table.about,
    '',
    line(table.head),
    line(table.head.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...table.rows.map(line),
    '',
    ...table.notes.map((n) => `- ${n}`),
  ].join('\n')
}

/** The table as printed on the terminal while the benchmarks run. */
export function printed(table: Table): string {
  const plain = (s: string) => s.replace(/\*\*/g, '')
  const all = [table.head, ...table.rows].map((r) => r.map(plain))
  const widths = table.head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  const format = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [`\n${table.title}`, ...all.map(format), ...table.notes.map((n) => `  ${plain(n)}`)].join('\n')
}

/** A section's letter, `c2)` of `## c2) Opening…`: what a run's table and the page's section are matched by. */
const letterOf = (heading: string) => /^## (\w+)\)/.exec(heading)?.[1]

/**
 * The sections of `tables` in the page at `path` replaced (new ones put in letter order), each with `when` (the
 * command, and when it ran) under its heading; the others stay as the last run left them.
 */
export async function replaceSections(path: string, tables: Table[], when: string): Promise<void> {
  const [head, ...sections] = (await readFile(path, 'utf8')).trimEnd().split(/\n(?=## )/)
  const byLetter = new Map(sections.map((section) => [letterOf(section), section]))
  for (const table of tables) {
    const [heading, ...rest] = markdown(table).split('\n')
    byLetter.set(letterOf(heading!), [heading, '', when, ...rest].join('\n') + '\n')
  }
  const ordered = [...byLetter.entries()].toSorted(([a], [b]) => (a ?? '').localeCompare(b ?? '')).map(([, section]) => section.trimEnd())
  await writeFile(path, [head!.trimEnd(), ...ordered].join('\n\n') + '\n')
}
