import { once } from 'node:events'
import type pg from 'pg'

/**
 * PostgreSQL's `COPY … FROM STDIN` through the `pg` client itself, which has the protocol's messages but no
 * stream for them (pg-copy-streams is not a dependency): a query object the client submits like any other,
 * which answers the server's CopyInResponse by sending the rows as they are made, waiting when the socket's
 * buffer is full, so that millions of rows never sit in memory.
 */

/** The connection methods of pg's (untyped) Connection that COPY needs. */
interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  sendCopyFail(message: string): void
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean }
}

/** One value in COPY's text format: `\N` for null; backslash, tab and line breaks escaped. */
function copyValue(value: string | number | null): string {
  if (value === null) return '\\N'
  if (typeof value === 'number') return String(value)
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

/** One row in COPY's text format, with its line break. */
export const copyRow = (values: Array<string | number | null>) => values.map(copyValue).join('\t') + '\n'

class CopyIn {
  readonly #text: string
  readonly #lines: AsyncIterable<string> | Iterable<string>
  #error: unknown
  readonly done: Promise<number>
  #resolve!: (rows: number) => void
  #reject!: (error: unknown) => void
  #rows = 0

  constructor(text: string, lines: AsyncIterable<string> | Iterable<string>) {
    this.#text = text
    this.#lines = lines
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  submit(connection: CopyConnection) {
    connection.query(this.#text)
  }

  handleCopyInResponse(connection: CopyConnection) {
    void this.#send(connection)
  }

  async #send(connection: CopyConnection) {
    // Lines are joined into chunks of about 256 KB: one protocol message per row would cost more than the row.
    let chunk = ''
    try {
      for await (const line of this.#lines) {
        // The server refused the rows already (a constraint): the rest would only be ignored.
        if (this.#error) return
        chunk += line
        if (chunk.length < 1 << 18) continue
        connection.sendCopyFromChunk(Buffer.from(chunk))
        chunk = ''
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain')
      }
      if (chunk) connection.sendCopyFromChunk(Buffer.from(chunk))
      connection.endCopyFrom()
    } catch (error) {
      // The server then answers with an error, and the COPY changes nothing.
      this.#error = error
      connection.sendCopyFail(error instanceof Error ? error.message : String(error))
    }
  }

  handleCommandComplete(message: { text?: string }) {
    this.#rows = Number(/\d+$/.exec(message.text ?? '')?.[0] ?? 0)
  }

  // pg hands the server's error to the query and then forgets it: its ReadyForQuery comes to no query.
  handleError(error: unknown) {
    this.#error ??= error
    this.#reject(this.#error)
  }

  handleReadyForQuery() {
    this.#resolve(this.#rows)
  }

  // A COPY FROM answers with none of these.
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handleCopyData() {}
  handlePortalSuspended() {}
}

/** Copies the lines (made with `copyRow`) into `table (columns)`; answers the number of rows copied. */
export async function copyInto(client: pg.ClientBase, table: string, columns: string[], lines: AsyncIterable<string> | Iterable<string>): Promise<number> {
  const copy = new CopyIn(`copy ${table} (${columns.join(', ')}) from stdin`, lines)
  void client.query(copy as unknown as pg.QueryConfig)
  return copy.done
}
