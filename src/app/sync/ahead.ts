/**
 * Items made one after another by `make` while the ones before are used, at most `limit` made and not yet taken:
 * a push's batches read and built while one is out, a pull's pages fetched while earlier ones are written.
 * `make` answers the next item, or null when there is no more. `take` answers the next item, or null once all are
 * taken; `takeAll` every item made by then (at least one while any is to come). A failure of `make` is thrown by
 * the take after the items made before it. `stop` ends the making: nothing is made after it.
 */
export function madeAhead<T>(limit: number, make: () => Promise<T | null>) {
  const made: T[] = []
  let failure: { error: unknown } | null = null
  let ended = false
  let stopped = false
  let wake = () => {}
  let room = () => {}
  void (async () => {
    try {
      for (;;) {
        while (made.length >= limit && !stopped) await new Promise<void>((resolve) => (room = resolve))
        if (stopped) break
        const item = await make()
        if (item === null) break
        made.push(item)
        wake()
      }
    } catch (error) {
      failure = { error }
    } finally {
      ended = true
      wake()
    }
  })()
  const arrival = async () => {
    while (!made.length && !ended) await new Promise<void>((resolve) => (wake = resolve))
    if (!made.length && failure) throw failure.error
  }
  return {
    async take(): Promise<T | null> {
      await arrival()
      const taken = made.shift() ?? null
      room()
      return taken
    },
    async takeAll(): Promise<T[]> {
      await arrival()
      const taken = made.splice(0)
      room()
      return taken
    },
    stop() {
      stopped = true
      room()
    },
  }
}
