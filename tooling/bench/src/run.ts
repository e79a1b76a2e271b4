// pnpm bench: revokit's engine against raw undici and three OAuth libraries, revoking the same
// tokens at the same local RFC 7009 endpoint, interleaved in one run on this machine. Reports
// medians and ratios (absolute numbers on a shared 2-core machine mean little; ratios do).
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { credentialsBench } from './credentials.ts'
import { revokeThroughput } from './throughput.ts'

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  env: process.env,
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const origin = `http://127.0.0.1:${line.toString().trim()}`

try {
  await revokeThroughput(origin, {
    accounts: Number(process.env.BENCH_ACCOUNTS ?? 20_000),
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 64),
    providerMs: Number(process.env.BENCH_PROVIDER_MS ?? 0),
  })
} finally {
  provider.disconnect()
}
if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('credentials')) await credentialsBench()
// revokeMany on PostgreSQL, in its own process so its peak RSS is its own: 10k accounts by
// default; BENCH_PG_BULK=100000 for the 100k figure (about 5 minutes on a 2-core machine).
if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('bulk')) {
  const bulk = fork(new URL('./bulk.ts', import.meta.url), [], {
    execArgv: ['--expose-gc'],
    stdio: 'inherit',
    env: { ...process.env, BULK_STORE: 'postgres', BULK_ACCOUNTS: process.env.BENCH_PG_BULK ?? '10000' },
  })
  const [code] = (await once(bulk, 'exit')) as [number | null]
  if (code) process.exitCode = code
}
