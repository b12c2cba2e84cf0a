import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

/**
 * npm only warns (EBADENGINE) when a dependency does not support the Node the project runs on, and a
 * warning on every install is soon not read: the lock file is held to the range package.json states.
 */
interface Lock {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[]; os?: string[]; cpu?: string[] }>
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock

/** npm installs (and checks) a platform's prebuilt binary only on that platform, e.g. sharp's @img/sharp-win32-ia32. */
const installedHere = (entry: Lock['packages'][string]) =>
  (!entry.os || entry.os.includes(process.platform)) && (!entry.cpu || entry.cpu.includes(process.arch))

describe('the supported Node versions', () => {
  it('package.json states one range, and the machine running the tests is in it', () => {
    expect(semver.validRange(manifest.engines.node)).not.toBeNull()
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true)
  })

  it('every package in package-lock.json supports every Node version in that range', () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      // Old packages wrote engines as a list of strings, which npm ignores.
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node
      if (!path || !wanted || !installedHere(entry) || semver.subset(manifest.engines.node, wanted, { includePrerelease: false })) return []
      return [`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${wanted}`]
    })
    expect(refusing).toEqual([])
  })
})
