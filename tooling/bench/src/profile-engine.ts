// Profiles engine.revoke alone against the bench provider: node --cpu-prof src/profile-engine.ts
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createEngine, memoryStore, type RevocationAdapter, revoked } from '@revokit/core'

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const endpoint = `http://127.0.0.1:${line.toString().trim()}/revoke`
const BASIC = `Basic ${Buffer.from('bench-client:bench-secret').toString('base64')}`
const adapter: RevocationAdapter = {
  toolkit: 'bench',
  supportsAccess: true,
  supportsRefresh: true,
  async revoke(req, { http }) {
    const res = await http.request(endpoint, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: req.token, token_type_hint: req.subject }).toString(),
    })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    return revoked([])
  },
}
const engine = createEngine({ store: memoryStore({ maxEventsPerAccount: 4 }), adapters: [adapter] })
const n = Number(process.env.N ?? 4000)
const ids: string[] = []
for (let i = 0; i < n; i++) {
  ids.push(
    (
      await engine.create({
        userId: `u${i}`,
        toolkit: 'bench',
        credentials: { access_token: `a${i}xxxx`, refresh_token: `r${i}xxxx` },
      })
    ).id,
  )
}
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.start')
const started = performance.now()
let next = 0
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < n) await engine.revoke(ids[next++] as string)
  }),
)
console.log(`${(n / ((performance.now() - started) / 1000)).toFixed(0)} accounts/s`)
const { profile } = await session.post('Profiler.stop')
if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile))
await engine.close()
provider.disconnect()
