// pnpm --filter @revokit/bench bench:bulk: revokeMany over BULK_ACCOUNTS (default 100k) accounts
// in a real SQLite file, against the local RFC 7009 endpoint, sampling the heap (after a forced
// GC) as it goes. Flat memory means the heap at the end is about the heap at the start: results
// are streamed to onResult, never collected.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine } from '@revokit/core'
import { rfc7009 } from '@revokit/rfc7009'
import { sqliteStore } from '@revokit/store-sqlite'

const total = Number(process.env.BULK_ACCOUNTS ?? 100_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const heapMb = () => {
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const endpoint = `http://127.0.0.1:${line.toString().trim()}/revoke`
const dir = mkdtempSync(join(tmpdir(), 'revokit-bulk-'))
const engine = createEngine({
  store: sqliteStore({ path: join(dir, 'bulk.db') }),
  adapters: [
    rfc7009({
      toolkit: 'bench',
      revocationEndpoint: endpoint,
      clientId: 'bench-client',
      clientSecret: 'bench-secret',
    }),
  ],
})

try {
  let started = performance.now()
  for (let i = 0; i < total; i++) {
    await engine.create({
      userId: `user-${i % 1000}`,
      toolkit: 'bench',
      credentials: { access_token: `bulk-at-${i}`, refresh_token: `bulk-rt-${i}` },
    })
  }
  console.log(`created ${total} accounts in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const samples: Array<[number, number]> = [[0, heapMb()]]
  const every = Math.max(1, Math.floor(total / 10))
  started = performance.now()
  const summary = await engine.revokeMany(
    { toolkits: ['bench'] },
    {
      concurrency: 16,
      onResult: (_item, { done }) => {
        if (done % every === 0) samples.push([done, heapMb()])
      },
    },
  )
  const seconds = (performance.now() - started) / 1000
  console.log(`revokeMany: ${JSON.stringify(summary)}`)
  console.log(
    `${total} accounts (${2 * total} POSTs) in ${seconds.toFixed(1)} s: ${(total / seconds).toFixed(0)} accounts/s`,
  )
  console.log('heap after GC (MB) by accounts done:')
  for (const [done, mb] of samples) console.log(`  ${String(done).padStart(7)}  ${mb.toFixed(1)}`)
  const heaps = samples.map(([, mb]) => mb)
  console.log(
    `heap range during the run: ${Math.min(...heaps).toFixed(1)}–${Math.max(...heaps).toFixed(1)} MB`,
  )
} finally {
  await engine.close()
  provider.disconnect()
  rmSync(dir, { recursive: true, force: true })
}
