// pnpm --filter @revokit/bench bench:bulk: revokeMany over BULK_ACCOUNTS (default 100k) accounts
// in a real SQLite file, against the local RFC 7009 endpoint in another process. Along the way it
// samples RSS and the heap after a forced GC: flat memory means the heap at 100k is about the heap
// at 10k, since results are streamed to onResult, never collected. Afterwards it searches the
// database files for a sample of the dead token values, which must all be gone.
// BULK_STORE=postgres runs it on PostgreSQL, in a fresh schema dropped afterwards (no byte scan:
// the files are the server's).
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, memoryStore } from '@revokit/core'
import { postgresStore } from '@revokit/store-postgres'
import { sqliteStore } from '@revokit/store-sqlite'
import { dropSchema, freshSchema, PG_SKIPPED, PG_URL, pgAvailable } from './pg.ts'
import { benchAdapter, pool } from './shared.ts'

const total = Number(process.env.BULK_ACCOUNTS ?? 100_000)
const concurrency = Number(process.env.BULK_CONCURRENCY ?? 64)
/** Accounts of another toolkit that revokeMany must leave alone: the byte search's control. */
const bystanders = 100
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const MB = 2 ** 20
/** Heap in use after a full GC, with RSS and V8's committed heap at the same moment, in MB. */
const memory = () => {
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed / MB, rss: m.rss / MB, committed: m.heapTotal / MB, external: m.external / MB }
}
const rssMb = () => process.memoryUsage.rss() / MB
// Fixed width, so no value is a prefix of another and a byte search finds exactly one account's.
const token = (kind: 'at' | 'rt' | 'live', i: number) => `fake-bulk-${kind}-${String(i).padStart(7, '0')}`

const kind = process.env.BULK_STORE ?? 'sqlite'
if (kind === 'postgres' && !(await pgAvailable())) {
  console.log(PG_SKIPPED)
  process.exit(0)
}

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const endpoint = `http://127.0.0.1:${line.toString().trim()}/revoke`
const dir = mkdtempSync(join(tmpdir(), 'revokit-bulk-'))
const path = join(dir, 'bulk.db')
// BULK_STORE=memory runs the same with memoryStore(), to tell the engine's cost from the store's.
const schema = kind === 'postgres' ? freshSchema('bulk') : undefined
const store = schema
  ? postgresStore({ url: PG_URL, schema })
  : kind === 'memory'
    ? memoryStore()
    : sqliteStore({ path })
const engine = createEngine({
  store,
  adapters: [benchAdapter(endpoint)],
})

try {
  let started = performance.now()
  // Seeded through the engine, 64 creates in flight (a networked store is round-trip bound).
  await pool(total, 64, async (i) => {
    await engine.create({
      userId: `user-${i % 1000}`,
      toolkit: 'bench',
      allowMultiple: true,
      credentials: { access_token: token('at', i), refresh_token: token('rt', i) },
    })
  })
  for (let i = 0; i < bystanders; i++) {
    await engine.create({
      userId: 'bystander',
      toolkit: 'other',
      allowMultiple: true,
      credentials: { access_token: token('live', i) },
    })
  }
  console.log(`created ${total} accounts in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  await store.flush?.()

  const cpuBefore = process.cpuUsage()
  const heap: Array<[number, ReturnType<typeof memory>]> = [[0, memory()]]
  let peakRss = rssMb()
  const heapEvery = Math.max(1, Math.floor(total / 10))
  const rssEvery = Math.max(1, Math.floor(total / 200))
  started = performance.now()
  const summary = await engine.revokeMany(
    { toolkits: ['bench'] },
    {
      concurrency,
      onResult: (_item, { done }) => {
        if (done % rssEvery === 0) peakRss = Math.max(peakRss, rssMb())
        if (done % heapEvery === 0) heap.push([done, memory()])
      },
    },
  )
  const revoked = performance.now()
  // revokeMany flushes the store before it returns, so this finds nothing left to do; it stays so
  // the measured time would include the last grouped checkpoint with an engine that did not.
  await store.flush?.()
  const flushed = performance.now()
  const cpu = process.cpuUsage(cpuBefore)
  const seconds = (flushed - started) / 1000
  peakRss = Math.max(peakRss, rssMb())

  console.log(`store: ${kind}${schema ? ` (schema ${schema})` : ''}`)
  console.log(`revokeMany: ${JSON.stringify(summary)}`)
  console.log(
    `${total} accounts (${2 * total} POSTs), ${concurrency} in flight, in ${seconds.toFixed(1)} s ` +
      `(revokeMany ${((revoked - started) / 1000).toFixed(1)} s + flush ${(flushed - revoked).toFixed(0)} ms): ` +
      `${(total / seconds).toFixed(0)} accounts/s`,
  )
  // Wall time depends on what else the machine runs; this process's CPU per account does less.
  const cpuUs = (cpu.user + cpu.system) / total
  console.log(
    `client CPU ${cpuUs.toFixed(0)} µs per account (user ${(cpu.user / total).toFixed(0)}, system ${(cpu.system / total).toFixed(0)}): ` +
      `${(1e6 / cpuUs).toFixed(0)} accounts/s per core of client CPU`,
  )
  console.log('memory after GC (MB) by accounts done:   heap  committed  external    rss')
  for (const [done, m] of heap) {
    const cells = [m.heap, m.committed, m.external, m.rss].map((v, i) => v.toFixed(1).padStart(i ? 10 : 6))
    console.log(`  ${String(done).padStart(7)}                          ${cells.join('')}`)
  }
  const at = (n: number) => heap.find(([done]) => done >= n)?.[1].heap ?? Number.NaN
  console.log(
    `heap at ${heapEvery}: ${at(heapEvery).toFixed(1)} MB, at ${total}: ${at(total).toFixed(1)} MB; ` +
      `peak RSS during revokeMany ${peakRss.toFixed(0)} MB; ` +
      `process max RSS (creation included) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  )

  // Every 500th account's two tokens, searched for in the raw bytes of the database, -wal and
  // -shm files, read while the store is open as they are on disk. The bystanders' live tokens
  // must be found, or finding no dead one would mean nothing.
  const files = [path, `${path}-wal`, `${path}-shm`].filter(existsSync)
  if (files.length === 0) {
    console.log(`no database files (BULK_STORE=${kind}): nothing to scan`)
  } else {
    const sizes = files.map(
      (file) => `${file.slice(dir.length + 1)} ${(statSync(file).size / MB).toFixed(1)} MB`,
    )
    const dead: string[] = []
    for (let i = 0; i < total; i += 500) dead.push(token('at', i), token('rt', i))
    const live = Array.from({ length: 10 }, (_, i) => token('live', i * 10))
    const found = new Set<string>()
    for (const file of files) {
      const bytes = readFileSync(file)
      for (const value of [...dead, ...live]) if (bytes.includes(value)) found.add(value)
    }
    const deadFound = dead.filter((value) => found.has(value)).length
    const liveFound = live.filter((value) => found.has(value)).length
    console.log(
      `byte scan of ${sizes.join(', ')}: ${deadFound} found of ${dead.length} dead token values; ` +
        `${liveFound} of ${live.length} live control values found`,
    )
    if (deadFound > 0 || liveFound < live.length) process.exitCode = 1
  }
} finally {
  await engine.close()
  provider.disconnect()
  rmSync(dir, { recursive: true, force: true })
  if (schema) await dropSchema(schema)
}
