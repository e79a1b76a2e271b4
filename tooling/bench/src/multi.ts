// pnpm --filter @revokit/bench bench:multi: revokes per second with 1 engine process and with 3
// on one PostgreSQL schema, against the local RFC 7009 endpoint (another process), measured in
// one run: 3 instances on disjoint thirds of the accounts, and 3 instances all revoking the same
// accounts (each account is dispatched once; the others find it claimed or already revoked).
// Every instance keeps MULTI_CONCURRENCY (64) revokes in flight. Wall time is from the go signal
// to the last instance done.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createEngine, type Engine } from '@revokit/core'
import { postgresStore } from '@revokit/store-postgres'
import { dropSchema, freshSchema, PG_SKIPPED, PG_URL, pgAvailable } from './pg.ts'
import { benchAdapter, pool } from './shared.ts'

const concurrency = Number(process.env.MULTI_CONCURRENCY ?? 64)
const engineFor = (endpoint: string, schema: string): Engine =>
  createEngine({
    store: postgresStore({ url: PG_URL, schema }),
    adapters: [benchAdapter(endpoint)],
  })

interface Job {
  endpoint: string
  schema: string
  ids: string[]
}

if (process.argv[2] === 'instance') {
  // One instance: waits for its accounts, signals ready, revokes on 'go', reports its outcomes.
  const [job] = (await once(process, 'message')) as [Job]
  const engine = engineFor(job.endpoint, job.schema)
  await engine.count({})
  process.send?.('ready')
  await once(process, 'message')
  const outcomes: Record<string, number> = {}
  await pool(job.ids.length, concurrency, async (i) => {
    let outcome: string
    try {
      const result = await engine.revoke(job.ids[i] as string)
      outcome = result.dispatched ? 'dispatched' : 'alreadyRevoked'
    } catch (error) {
      outcome = (error as { slug?: string }).slug ?? 'error'
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  })
  process.send?.(outcomes)
  await once(process, 'message')
  await engine.close()
  process.exit(0)
}

if (!(await pgAvailable())) {
  console.log(PG_SKIPPED)
  process.exit(0)
}
const accounts = Number(process.env.MULTI_ACCOUNTS ?? 3000)
const rounds = Number(process.env.MULTI_ROUNDS ?? 3)
const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  env: process.env,
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const endpoint = `http://127.0.0.1:${line.toString().trim()}/revoke`

/** Seeds a fresh schema, runs `instances` processes on their slices, returns accounts/s and outcomes. */
async function measure(instances: number, shared: boolean) {
  const schema = freshSchema('multi')
  const seeder = engineFor(endpoint, schema)
  const ids: string[] = []
  try {
    await pool(accounts, 64, async (i) => {
      const account = await seeder.create({
        userId: `user-${i % 1000}`,
        toolkit: 'bench',
        allowMultiple: true,
        credentials: { access_token: `fake-multi-at-${i}`, refresh_token: `fake-multi-rt-${i}` },
      })
      ids[i] = account.id
    })
  } finally {
    await seeder.close()
  }
  try {
    const children = Array.from({ length: instances }, () =>
      fork(new URL(import.meta.url), ['instance'], { stdio: 'inherit' }),
    )
    children.forEach((child, k) => {
      const slice = shared ? ids : ids.filter((_, i) => i % instances === k)
      child.send({ endpoint, schema, ids: slice } satisfies Job)
    })
    await Promise.all(children.map((child) => once(child, 'message')))
    const started = performance.now()
    for (const child of children) child.send('go')
    const reports = (await Promise.all(children.map((child) => once(child, 'message')))).map(
      ([outcomes]) => outcomes as Record<string, number>,
    )
    const seconds = (performance.now() - started) / 1000
    for (const child of children) child.send('close')
    await Promise.all(children.map((child) => once(child, 'exit')))
    const outcomes: Record<string, number> = {}
    for (const report of reports)
      for (const [k, v] of Object.entries(report)) outcomes[k] = (outcomes[k] ?? 0) + v
    return { rate: accounts / seconds, outcomes }
  } finally {
    await dropSchema(schema)
  }
}

const modes = [
  { name: '1 instance', instances: 1, shared: false },
  { name: '3 instances, disjoint thirds', instances: 3, shared: false },
  { name: '3 instances, same accounts', instances: 3, shared: true },
]
const rates = new Map<string, number[]>(modes.map((m) => [m.name, []]))
const lastOutcomes = new Map<string, Record<string, number>>()
try {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(i + round) % modes.length] as (typeof modes)[number]
      const { rate, outcomes } = await measure(mode.instances, mode.shared)
      rates.get(mode.name)?.push(rate)
      lastOutcomes.set(mode.name, outcomes)
    }
  }
} finally {
  provider.disconnect()
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number
const one = median(rates.get('1 instance') ?? [])
console.log(
  `\nrevokes on one PostgreSQL schema: ${accounts} accounts × 2 tokens, ${concurrency} in flight per instance, ` +
    `${rounds} interleaved rounds, median (node ${process.version})\n`,
)
console.log(
  `${'instances'.padEnd(32)}${'accounts/s'.padStart(12)}${'vs 1'.padStart(8)}   outcomes (last round)`,
)
for (const mode of modes) {
  const rate = median(rates.get(mode.name) ?? [])
  console.log(
    `${mode.name.padEnd(32)}${rate.toFixed(0).padStart(12)}${`${(rate / one).toFixed(2)}×`.padStart(8)}   ${JSON.stringify(lastOutcomes.get(mode.name))}`,
  )
}
