import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isRevokitError, type RevokitError } from '../src/errors'
import type { Logger } from '../src/logger'

/** A fake secret that is easy to grep for and cannot be mistaken for a real token. */
export function canary(label: string): string {
  return `canary-${label}-${randomUUID()}`
}

/** A logger that keeps every line, serialised the way a JSON logger would write it. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const write = (level: string) => (fields: Record<string, unknown>, message?: string) => {
    lines.push(JSON.stringify({ level, ...fields, msg: message }))
  }
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** One request a {@link localServer} received. */
export interface Hit {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  at: number
}

/** A real HTTP server on 127.0.0.1 for transport tests: `handler` answers each request. */
export async function localServer(
  handler: (req: IncomingMessage & { body: string }, res: ServerResponse, hit: number) => unknown,
) {
  const hits: Hit[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() })
    try {
      await handler(Object.assign(req, { body }), res, hits.length)
    } catch {
      res.destroy()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Every string a caller could see of an error: message, fix, details, envelope, stack. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const e = error as Error & { toJSON?: () => unknown; errors?: unknown; suggestedFix?: unknown }
  return [
    e.message,
    e.stack,
    String(e.suggestedFix),
    JSON.stringify(e.errors),
    JSON.stringify(e.toJSON?.() ?? e),
  ].join('\n')
}

/** The RevokitError `promise` rejects with; fails the test if it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<RevokitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isRevokitError(error)) throw new Error(`expected a RevokitError, got ${String(error)}`)
  return error
}
