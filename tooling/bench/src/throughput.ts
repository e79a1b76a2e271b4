import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, type Engine, memoryStore, type Store } from '@revokit/core'
import { rfc7009 } from '@revokit/rfc7009'
import { postgresStore } from '@revokit/store-postgres'
import { sqliteStore } from '@revokit/store-sqlite'
import { OAuth2Client } from 'arctic'
import * as oauth from 'oauth4webapi'
import * as oidc from 'openid-client'
import { AuthorizationCode } from 'simple-oauth2'
import { dropSchema, freshSchema, PG_SKIPPED, PG_URL, pgAvailable } from './pg.ts'
import { pool, rawRevoker } from './shared.ts'

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

const tokens = (round: number, i: number) => ({
  access_token: `bench-at-${round}-${i}`,
  refresh_token: `bench-rt-${round}-${i}`,
})

function scenarios(origin: string, concurrency: number, postgres: boolean): Scenario[] {
  const endpoint = `${origin}/revoke`
  // The same two POSTs per account every contender makes: refresh token first, then access.
  const raw = rawRevoker(endpoint, concurrency)
  const rawPost = raw.post

  // The published RFC 7009 adapter, on the engine's own transport.
  const adapter = () =>
    rfc7009({
      toolkit: 'bench',
      revocationEndpoint: endpoint,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    })
  const dir = mkdtempSync(join(tmpdir(), 'revokit-bench-'))
  // A fresh engine and store per round (made in the untimed setup): what is measured is a revoke,
  // not a heap that grows with every earlier round's accounts. A filtered-out contender opens none.
  const engineScenario = (
    name: string,
    store: (round: number) => Store | Promise<Store>,
    cleanup?: () => void | Promise<void>,
  ): Scenario => {
    let made: Engine | undefined
    return {
      name,
      async setup(n, round) {
        await made?.close()
        made = createEngine({ store: await store(round), adapters: [adapter()] })
        const engine = made
        const ids: string[] = []
        // In parallel: a networked store would otherwise spend most of the untimed setup on round trips.
        await pool(n, concurrency, async (i) => {
          ids[i] = (
            await engine.create({ userId: `u${i}`, toolkit: 'bench', credentials: tokens(round, i) })
          ).id
        })
        return () =>
          pool(n, concurrency, async (i) => {
            const result = await engine.revoke(ids[i] as string)
            if (result.revokedTokens.length !== 2) throw new Error(`${name}: not both revoked`)
          })
      },
      async close() {
        await made?.close()
        await cleanup?.()
      },
    }
  }

  function postgresScenario(): Scenario {
    let schema: string | undefined
    const drop = async () => {
      if (schema) await dropSchema(schema)
      schema = undefined
    }
    return engineScenario(
      'revokit engine + PostgreSQL',
      async () => {
        await drop()
        schema = freshSchema('throughput')
        const store = postgresStore({ url: PG_URL, schema })
        await store.ready()
        return store
      },
      drop,
    )
  }

  const as: oauth.AuthorizationServer = { issuer: origin, revocation_endpoint: endpoint }
  const o4wClient: oauth.Client = { client_id: CLIENT_ID }
  const o4wAuth = oauth.ClientSecretBasic(CLIENT_SECRET)
  const o4wPost = async (token: string, hint: string) => {
    const res = await oauth.revocationRequest(as, o4wClient, o4wAuth, token, {
      additionalParameters: { token_type_hint: hint },
      [oauth.allowInsecureRequests]: true,
    })
    await oauth.processRevocationResponse(res)
  }

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
      close: raw.close,
    },
    engineScenario('revokit engine.revoke', () => memoryStore({ maxEventsPerAccount: 4 })),
    engineScenario(
      'revokit engine + SQLite',
      () => sqliteStore({ path: join(dir, 'bench.db') }),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
    // A fresh schema per round (dropped in the untimed setup of the next, and at the end), with
    // the store's default pool of 10 connections.
    ...(postgres ? [postgresScenario()] : []),
    {
      name: 'oauth4webapi revocationRequest',
      async setup(n, round) {
        return () =>
          pool(n, concurrency, async (i) => {
            const t = tokens(round, i)
            await o4wPost(t.refresh_token, 'refresh_token')
            await o4wPost(t.access_token, 'access_token')
          })
      },
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
  // BENCH_ONLY=raw,revokit keeps the contenders whose name starts with one of the words.
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean)
  const wantPostgres = !only || only.some((word) => 'revokit engine + PostgreSQL'.startsWith(word))
  const postgres = wantPostgres && (await pgAvailable())
  if (wantPostgres && !postgres) console.log(PG_SKIPPED)
  const list = scenarios(origin, options.concurrency, postgres).filter(
    (s) => !only || only.some((word) => s.name.startsWith(word)),
  )
  const rates = new Map<string, number[]>(list.map((s) => [s.name, []]))
  // Client CPU per account: steadier than wall-clock rates when the machine is shared.
  const cpu = new Map<string, number[]>(list.map((s) => [s.name, []]))

  // Warm-up: JIT, connection pools, the provider's own warm-up. Not recorded.
  for (const s of list) await (await s.setup(Math.max(50, options.accounts >> 3), 1000))()

  for (let round = 0; round < options.rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length] as Scenario)
    for (const s of order) {
      const timed = await s.setup(options.accounts, round)
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      await timed()
      const used = process.cpuUsage(cpuBefore)
      const seconds = (performance.now() - started) / 1000
      rates.get(s.name)?.push(options.accounts / seconds)
      cpu.get(s.name)?.push((used.user + used.system) / options.accounts)
    }
  }
  for (const s of list) await s.close?.()

  const raw = median(rates.get('raw undici.request') ?? [])
  const ours = median(rates.get('revokit engine.revoke') ?? [])
  const sqlite = median(rates.get('revokit engine + SQLite') ?? [])
  const postgresRate = median(rates.get('revokit engine + PostgreSQL') ?? [])
  console.log(
    `\nrevoke throughput: ${options.accounts} accounts × 2 tokens per round, ${options.concurrency} in flight, ` +
      `${options.rounds} interleaved rounds, provider answers in ${options.providerMs} ms, median (node ${process.version})\n`,
  )
  console.log(
    `${'contender'.padEnd(34)}${'accounts/s'.padStart(12)}${'vs raw'.padStart(10)}${'revokit vs it'.padStart(16)}${'client CPU µs/account'.padStart(24)}`,
  )
  for (const s of list) {
    const rate = median(rates.get(s.name) ?? [])
    const vsRaw = `${(rate / raw).toFixed(2)}×`
    const oursVs = s.name.startsWith('revokit') ? '' : `${(ours / rate).toFixed(2)}×`
    const micros = median(cpu.get(s.name) ?? [])
    console.log(
      `${s.name.padEnd(34)}${rate.toFixed(0).padStart(12)}${vsRaw.padStart(10)}${oursVs.padStart(16)}${micros.toFixed(1).padStart(24)}`,
    )
  }
  const libraries = list.filter((s) => !s.name.startsWith('revokit') && !s.name.startsWith('raw'))
  const beatsLibraries = libraries.every((s) => ours > median(rates.get(s.name) ?? []))
  const target = options.providerMs === 0 ? 0.85 : 0.95
  console.log(`\nengine (memory store) vs raw undici: ${(ours / raw).toFixed(2)}× (goal ≥ ${target}×)`)
  if (sqlite)
    console.log(`engine (SQLite store) vs raw undici: ${(sqlite / raw).toFixed(2)}× (goal ≥ 0.6× at 0 ms)`)
  if (postgresRate) {
    console.log(
      `engine (PostgreSQL store) vs raw undici: ${(postgresRate / raw).toFixed(2)}×, vs the memory store: ${(postgresRate / ours).toFixed(2)}×`,
    )
  }
  if (libraries.length) {
    console.log(
      `engine faster than ${libraries.map((s) => s.name.split(' ')[0]).join(', ')}: ${beatsLibraries ? 'yes' : 'NO'}`,
    )
  }
  const rawCpu = median(cpu.get('raw undici.request') ?? [])
  const oursCpu = median(cpu.get('revokit engine.revoke') ?? [])
  if (rawCpu && oursCpu) {
    console.log(
      `client CPU per account, raw / engine: ${(rawCpu / oursCpu).toFixed(2)}× (the CPU-bound ceiling of the ratio)`,
    )
  }
  return { raw, ours, sqlite, postgres: postgresRate, beatsLibraries }
}
