import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * How the provider treats one token while the child runs: `ok` answers 200 at once, `slow` answers
 * 200 after `delayMs` (so a kill lands while the child waits), `unavailable` answers 503 to its
 * first `failures` requests and 200 after (`Infinity`: the subject is left pending or the account
 * ACTIVE; fewer: the engine's retry or a later revoke of the same child gets through). Once
 * {@link CountingProvider.heal} is called, every token answers 200 at once: the later revoke.
 */
export type TokenBehaviour =
  | { kind: 'ok' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'unavailable'; failures: number }

/** What the provider saw for one token, per phase (`child`: before `heal`, `later`: after). */
export interface TokenCount {
  /** Requests received (503s and retries included). */
  received: { child: number; later: number }
  /** 200s given: the token is dead at the provider from the first one on. */
  revoked: { child: number; later: number }
}

/** A provider event the crash loop can kill the child on. */
export type ProviderEvent = { type: 'received' | 'revoked'; token: string }

/**
 * A fake RFC 7009 revocation endpoint on 127.0.0.1, run by the parent so its counts survive the
 * child's death. Like a real server, it revokes a token when it has processed the request, whether
 * or not the client is still there to read the answer.
 */
export interface CountingProvider {
  readonly url: string
  /** The behaviour of each token of the next iteration; clears the counts. */
  reset(behaviours: ReadonlyMap<string, TokenBehaviour>): void
  /** From now on every token answers 200 at once, counted in the `later` phase. */
  heal(): void
  count(token: string): TokenCount
  /** Called synchronously on every request as it arrives, and after every 200 is written. */
  onEvent: ((event: ProviderEvent) => void) | undefined
  /** Resolves once no request is being processed (slow answers of a killed child included). */
  idle(): Promise<void>
  /** Requests whose token was not one of this iteration's, or whose client auth was wrong. */
  readonly strays: string[]
  close(): Promise<void>
}

/** Starts a {@link CountingProvider} expecting HTTP Basic `clientId:clientSecret`. */
export async function countingProvider(client: { clientId: string; clientSecret: string }) {
  const expectedAuth = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`
  let behaviours: ReadonlyMap<string, TokenBehaviour> = new Map()
  let counts = new Map<string, TokenCount>()
  let healed = false
  let inflight = 0
  let idleWaiters: Array<() => void> = []
  const strays: string[] = []

  const countFor = (token: string): TokenCount => {
    let count = counts.get(token)
    if (!count) {
      count = { received: { child: 0, later: 0 }, revoked: { child: 0, later: 0 } }
      counts.set(token, count)
    }
    return count
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let body = ''
    for await (const chunk of req) body += chunk
    const form = new URLSearchParams(body)
    const token = form.get('token') ?? ''
    const behaviour = behaviours.get(token)
    if (req.method !== 'POST' || req.url !== '/revoke' || req.headers.authorization !== expectedAuth) {
      strays.push(
        `${req.method} ${req.url} (client authentication ${req.headers.authorization ? 'wrong' : 'missing'})`,
      )
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      return
    }
    if (!behaviour) {
      strays.push(`a token of no account of this iteration (hint ${form.get('token_type_hint')})`)
      res.writeHead(200).end()
      return
    }
    const phase = healed ? 'later' : 'child'
    const count = countFor(token)
    count.received[phase]++
    provider.onEvent?.({ type: 'received', token })
    if (!healed && behaviour.kind === 'unavailable' && count.received.child <= behaviour.failures) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}')
      return
    }
    if (!healed && behaviour.kind === 'slow') await sleep(behaviour.delayMs)
    // Processed: the token is dead from here on, whether the client reads the answer or not.
    count.revoked[phase]++
    res.writeHead(200).end()
    provider.onEvent?.({ type: 'revoked', token })
  }

  const server = createServer((req, res) => {
    inflight++
    handle(req, res)
      .catch((error: unknown) => {
        strays.push(`handler failed: ${String(error)}`)
        if (!res.headersSent) res.writeHead(500).end()
      })
      .finally(() => {
        if (--inflight === 0) for (const wake of idleWaiters.splice(0)) wake()
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  const provider: CountingProvider = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reset(next) {
      behaviours = next
      counts = new Map()
      healed = false
      idleWaiters = []
    },
    heal() {
      healed = true
    },
    count: (token) => countFor(token),
    onEvent: undefined,
    idle: () => (inflight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
    strays,
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
  return provider
}
