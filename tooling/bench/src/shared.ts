// What the benchmarks share: the concurrency pool, the raw undici contender they all measure
// revokit against, and the RFC 7009 adapter for the bench provider.
import { rfc7009 } from '@revokit/rfc7009'
import { Agent, request } from 'undici'

/** Basic credentials of the bench provider's one client (`provider.ts` checks them). */
export const BASIC = `Basic ${Buffer.from('bench-client:bench-secret').toString('base64')}`

/** The published RFC 7009 adapter for the bench provider's one client, on the engine's transport. */
export const benchAdapter = (revocationEndpoint: string) =>
  rfc7009({ toolkit: 'bench', revocationEndpoint, clientId: 'bench-client', clientSecret: 'bench-secret' })

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < n) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
}

/**
 * The baseline: one RFC 7009 POST with raw `undici.request` on a keep-alive `Agent`, the same
 * request every contender makes for one token.
 */
export function rawRevoker(endpoint: string, connections: number) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections })
  return {
    async post(token: string, hint: string): Promise<void> {
      const res = await request(endpoint, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: hint }).toString(),
      })
      await res.body.dump()
      if (res.statusCode !== 200) throw new Error(`raw: HTTP ${res.statusCode}`)
    },
    close: () => agent.close(),
  }
}
