import { createEngine, memoryStore } from '@revokit/core'
import { rfc7009 } from '@revokit/rfc7009'
import { OAuth2Client } from 'arctic'
import * as oidc from 'openid-client'
import { AuthorizationCode } from 'simple-oauth2'
import { Agent, request } from 'undici'

interface Options {
  /** Simulated provider service time per request, in ms (0: answer at once). */
  providerMs: number
  accounts: number
  rounds: number
  concurrency: number
}

interface Scenario {
  name: string
  /** Untimed: prepares `n` accounts' worth of state; returns the timed part. */
  setup(n: number, round: number): Promise<() => Promise<void>>
  close?(): Promise<void>
}

const CLIENT_ID = 'bench-client'
const CLIENT_SECRET = 'bench-secret'
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < n) await fn(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
}

const tokens = (round: number, i: number) => ({
  access_token: `bench-at-${round}-${i}`,
  refresh_token: `bench-rt-${round}-${i}`,
})

function scenarios(origin: string, concurrency: number): Scenario[] {
  const endpoint = `${origin}/revoke`
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: concurrency })

  // The same two POSTs per account every contender makes: refresh token first, then access.
  const rawPost = async (token: string, hint: string) => {
    const res = await request(endpoint, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint }).toString(),
    })
    await res.body.dump()
    if (res.statusCode !== 200) throw new Error(`raw: HTTP ${res.statusCode}`)
  }

  // The published RFC 7009 adapter, on the engine's own transport.
  const adapter = rfc7009({
    toolkit: 'bench',
    revocationEndpoint: endpoint,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  })
  const engine = createEngine({ store: memoryStore({ maxEventsPerAccount: 4 }), adapters: [adapter] })

  const oidcConfig = new oidc.Configuration(
    { issuer: origin, revocation_endpoint: endpoint },
    CLIENT_ID,
    undefined,
    oidc.ClientSecretBasic(CLIENT_SECRET),
  )
  oidc.allowInsecureRequests(oidcConfig)

  const simple = new AuthorizationCode({
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    auth: { tokenHost: origin, revokePath: '/revoke' },
    options: { authorizationMethod: 'header' },
  })
  const arctic = new OAuth2Client(CLIENT_ID, CLIENT_SECRET, null)

  return [
    {
      name: 'raw undici.request',
      async setup(n, round) {
        return () =>
          pool(n, concurrency, async (i) => {
            const t = tokens(round, i)
            await rawPost(t.refresh_token, 'refresh_token')
            await rawPost(t.access_token, 'access_token')
          })
      },
      close: () => agent.close(),
    },
    {
      name: 'revokit engine.revoke',
      async setup(n, round) {
        const ids: string[] = []
        for (let i = 0; i < n; i++) {
          ids.push(
            (await engine.create({ userId: `u${i}`, toolkit: 'bench', credentials: tokens(round, i) })).id,
          )
        }
        return () =>
          pool(n, concurrency, async (i) => {
            const result = await engine.revoke(ids[i] as string)
            if (result.revokedTokens.length !== 2) throw new Error('engine: not both revoked')
          })
      },
      close: () => engine.close(),
    },
    {
      name: 'openid-client tokenRevocation',
      async setup(n, round) {
        return () =>
          pool(n, concurrency, async (i) => {
            const t = tokens(round, i)
            await oidc.tokenRevocation(oidcConfig, t.refresh_token, { token_type_hint: 'refresh_token' })
            await oidc.tokenRevocation(oidcConfig, t.access_token, { token_type_hint: 'access_token' })
          })
      },
    },
    {
      name: 'simple-oauth2 revokeAll',
      async setup(n, round) {
        return () =>
          pool(n, concurrency, async (i) => {
            await simple.createToken(tokens(round, i)).revokeAll()
          })
      },
    },
    {
      name: 'arctic revokeToken',
      async setup(n, round) {
        return () =>
          pool(n, concurrency, async (i) => {
            const t = tokens(round, i)
            await arctic.revokeToken(endpoint, t.refresh_token)
            await arctic.revokeToken(endpoint, t.access_token)
          })
      },
    },
  ]
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Interleaves every scenario `rounds` times (rotating the order) and prints medians and ratios. */
export async function revokeThroughput(origin: string, options: Options) {
  const list = scenarios(origin, options.concurrency)
  const rates = new Map<string, number[]>(list.map((s) => [s.name, []]))

  // Warm-up: JIT, connection pools, the provider's own warm-up. Not recorded.
  for (const s of list) await (await s.setup(Math.max(50, options.accounts >> 3), 1000))()

  for (let round = 0; round < options.rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length] as Scenario)
    for (const s of order) {
      const timed = await s.setup(options.accounts, round)
      const started = performance.now()
      await timed()
      const seconds = (performance.now() - started) / 1000
      rates.get(s.name)?.push(options.accounts / seconds)
    }
  }
  for (const s of list) await s.close?.()

  const raw = median(rates.get('raw undici.request') ?? [])
  const ours = median(rates.get('revokit engine.revoke') ?? [])
  console.log(
    `\nrevoke throughput: ${options.accounts} accounts × 2 tokens per round, ${options.concurrency} in flight, ` +
      `${options.rounds} interleaved rounds, provider answers in ${options.providerMs} ms, median (node ${process.version})\n`,
  )
  console.log(
    `${'contender'.padEnd(32)}${'accounts/s'.padStart(12)}${'vs raw'.padStart(10)}${'revokit vs it'.padStart(16)}`,
  )
  for (const s of list) {
    const rate = median(rates.get(s.name) ?? [])
    const vsRaw = `${(rate / raw).toFixed(2)}×`
    const oursVs = s.name.startsWith('revokit') ? '' : `${(ours / rate).toFixed(2)}×`
    console.log(
      `${s.name.padEnd(32)}${rate.toFixed(0).padStart(12)}${vsRaw.padStart(10)}${oursVs.padStart(16)}`,
    )
  }
  const targetRaw = ours / raw >= 0.85
  const beatsLibraries = list
    .filter((s) => !s.name.startsWith('revokit') && !s.name.startsWith('raw'))
    .every((s) => ours > median(rates.get(s.name) ?? []))
  console.log(
    `\nSPEC §8: engine ≥ 0.85× raw undici: ${targetRaw ? 'met' : 'NOT met'} (${(ours / raw).toFixed(2)}×)`,
  )
  console.log(
    `SPEC §8: engine faster than openid-client, simple-oauth2, arctic: ${beatsLibraries ? 'met' : 'NOT met'}`,
  )
  return { raw, ours, targetRaw, beatsLibraries }
}
