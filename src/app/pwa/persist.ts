let asked: Promise<boolean> | undefined

/**
 * Asks the browser to keep this site's data even when the phone runs short of space (without it, a
 * browser may evict IndexedDB and with it a leader's unsynced work). Chromium answers without a dialog,
 * from how the site is used (installed, often opened); Firefox asks the user. Asked at most once per page
 * load, because a browser that said no will not change its mind before then; answers whether the data
 * is now kept. Meant to be called right after sign-in.
 */
export function requestPersistence(): Promise<boolean> {
  asked ??= (async () => {
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
    if (!storage?.persist) return false
    try {
      return (await storage.persisted?.()) || (await storage.persist())
    } catch {
      return false
    }
  })()
  return asked
}
