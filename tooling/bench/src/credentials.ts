// pnpm bench (after the revoke throughput): engine.credentials on a fresh token with the memory
// store, reads per second, beside the store's own get (the ceiling: a read can't be cheaper than
// the store read it makes), interleaved rounds in one run. Then 200 concurrent callers on an
// account whose token is about to expire, against a local token endpoint: refresh grants sent.
// BENCH_ENCRYPTION=1 runs the engine with an encryption key (credentials sealed in the store).
import { randomBytes } from 'node:crypto'
import { createEngine, memoryStore } from '@revokit/core'
import { fakeAuthorizationServer, scriptedAdapter } from '@revokit/core/testing'

const READS = Number(process.env.BENCH_READS ?? 200_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const IN_FLIGHT = 64
const ENCRYPTED = process.env.BENCH_ENCRYPTION === '1'

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function inFlight(n: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) await work(next++)
    }),
  )
}

export async function credentialsBench(): Promise<void> {
  const as = await fakeAuthorizationServer({ delayMs: 20 })
  const store = memoryStore()
  let skew = 0
  const engine = createEngine({
    clock: () => Date.now() + skew,
    store,
    adapters: [scriptedAdapter({ toolkit: 'bench', connect: as.connector })],
    redirectUri: 'http://127.0.0.1/callback',
    ...(ENCRYPTED ? { encryption: { keys: [{ key: randomBytes(32) }] } } : {}),
  })
  try {
    const expires = new Date(Date.now() + 3_600_000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < 1000; i++) {
      const account = await engine.create({
        userId: `u${i}`,
        toolkit: 'bench',
        credentials: { access_token: `bench-at-${i}`, refresh_token: `bench-rt-${i}`, expires_at: expires },
      })
      ids.push(account.id)
    }
    const id = (i: number) => ids[i % ids.length] as string
    // Warm both paths.
    await inFlight(20_000, (i) => engine.credentials(id(i)))
    await inFlight(20_000, (i) => store.get(id(i)))

    const engineRates: number[] = []
    const storeRates: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      let started = performance.now()
      await inFlight(READS, (i) => engine.credentials(id(i)))
      engineRates.push(READS / ((performance.now() - started) / 1000))
      started = performance.now()
      await inFlight(READS, (i) => store.get(id(i)))
      storeRates.push(READS / ((performance.now() - started) / 1000))
    }
    const ours = median(engineRates)
    const ceiling = median(storeRates)
    console.log(
      `\nengine.credentials, fresh token, memory store${ENCRYPTED ? ' (encrypted at rest)' : ''}, ${READS} reads × ${ROUNDS} rounds, ${IN_FLIGHT} in flight`,
    )
    console.log(`  engine.credentials  ${Math.round(ours).toLocaleString('en')} reads/s (goal ≥ 50,000)`)
    console.log(
      `  memoryStore.get     ${Math.round(ceiling).toLocaleString('en')} reads/s (the store read it makes)`,
    )
    console.log(`  ratio               ${(ours / ceiling).toFixed(2)}×`)

    // Single flight: 200 callers, one account expiring within the default minValidityMs.
    const link = await engine.initiate({ userId: 'expiring', toolkit: 'bench' })
    await engine.completeAuthorization(as.consent(link.redirectUrl))
    // An hour later the token has 10 s left, less than the default 60 s minimum validity.
    skew = 3_590_000
    const before = as.grants.filter((g) => g.grantType === 'refresh_token').length
    const results = await Promise.all(Array.from({ length: 200 }, () => engine.credentials(link.id)))
    const grants = as.grants.filter((g) => g.grantType === 'refresh_token').length - before
    const distinct = new Set(results.map((r) => r.val.access_token)).size
    console.log(
      `\n200 concurrent credentials() on an expiring account: ${grants} refresh grant(s) sent, ${distinct} distinct access token(s) handed out`,
    )
  } finally {
    await engine.close()
    await as.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await credentialsBench()
