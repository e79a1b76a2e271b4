// Where the client's CPU goes per revoked account: `pnpm --filter @revokit/bench profile`.
// Profiles raw undici.request and engine.revoke (memory store, the published RFC 7009 adapter)
// doing the same two POSTs per account against the bench provider in another process, then
// prints self time per component in µs per account. PROFILE_OUT=dir keeps the .cpuprofile files.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { createEngine, memoryStore } from '@revokit/core'
import { type CpuProfile, summarise } from './profile-summary.ts'
import { benchAdapter, pool, rawRevoker } from './shared.ts'

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const origin = `http://127.0.0.1:${line.toString().trim()}`
const endpoint = `${origin}/revoke`
const n = Number(process.env.N ?? 20_000)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64)

const inFlight = (count: number, fn: (i: number) => Promise<void>) => pool(count, concurrency, fn)

const rawClient = rawRevoker(endpoint, concurrency)
const rawPost = rawClient.post

const engine = createEngine({
  store: memoryStore({ maxEventsPerAccount: 4 }),
  adapters: [benchAdapter(endpoint)],
})

async function profiled(name: string, run: () => Promise<void>): Promise<CpuProfile> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  const started = performance.now()
  await run()
  const seconds = (performance.now() - started) / 1000
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile }
  session.disconnect()
  console.log(`${name}: ${(n / seconds).toFixed(0)} accounts/s (profiled)`)
  if (process.env.PROFILE_OUT) {
    mkdirSync(process.env.PROFILE_OUT, { recursive: true })
    writeFileSync(join(process.env.PROFILE_OUT, `${name}.cpuprofile`), JSON.stringify(profile))
  }
  return profile
}

// Warm up both paths (JIT, pools) before measuring.
await inFlight(2000, (i) => rawPost(`warm-${i}`, 'access_token'))
const warm: string[] = []
for (let i = 0; i < 2000; i++)
  warm.push(
    (
      await engine.create({
        userId: 'w',
        toolkit: 'bench',
        allowMultiple: true,
        credentials: { access_token: `wa${i}x`, refresh_token: `wr${i}x` },
      })
    ).id,
  )
await inFlight(warm.length, async (i) => void (await engine.revoke(warm[i] as string)))

const raw = await profiled('raw', () =>
  inFlight(n, async (i) => {
    await rawPost(`bench-rt-${i}`, 'refresh_token')
    await rawPost(`bench-at-${i}`, 'access_token')
  }),
)
const ids: string[] = []
for (let i = 0; i < n; i++) {
  ids.push(
    (
      await engine.create({
        userId: `u${i}`,
        toolkit: 'bench',
        credentials: { access_token: `bench-at-${i}x`, refresh_token: `bench-rt-${i}x` },
      })
    ).id,
  )
}
const ours = await profiled('engine', () =>
  inFlight(n, async (i) => void (await engine.revoke(ids[i] as string))),
)

console.log(`\nself time per account (µs), ${n} accounts, ${concurrency} in flight\n`)
const a = summarise(raw, n)
const b = summarise(ours, n)
const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => (b[y] ?? 0) - (b[x] ?? 0))
console.log(`${'component'.padEnd(34)}${'raw'.padStart(8)}${'engine'.padStart(8)}`)
for (const name of names) {
  console.log(
    `${name.padEnd(34)}${(a[name] ?? 0).toFixed(1).padStart(8)}${(b[name] ?? 0).toFixed(1).padStart(8)}`,
  )
}
await engine.close()
await rawClient.close()
provider.disconnect()
