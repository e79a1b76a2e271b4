import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createHttpTransport } from '@revokit/core'
import { Agent, request } from 'undici'

const provider = fork(new URL('./provider.ts', import.meta.url), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const [line] = (await once(provider.stdout!, 'data')) as [Buffer]
const endpoint = `http://127.0.0.1:${line.toString().trim()}/revoke`
const BASIC = `Basic ${Buffer.from('bench-client:bench-secret').toString('base64')}`
const agent = new Agent({ keepAliveTimeout: 30000 })
const transport = createHttpTransport()
const headers = { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }
async function run(n: number, one: () => Promise<void>) {
  let next = 0
  const t = performance.now()
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < n) await one()
    }),
  )
  return n / ((performance.now() - t) / 1000)
}
const variants: Record<string, () => Promise<void>> = {
  raw: async () => {
    const r = await request(endpoint, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: 'token=abc&token_type_hint=access_token',
    })
    await r.body.text()
  },
  rawDump: async () => {
    const r = await request(endpoint, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: 'token=abc&token_type_hint=access_token',
    })
    await r.body.dump()
  },
  transport: async () => {
    const http = transport.client({
      signal: new AbortController().signal,
      deadline: Date.now() + 30000,
      budget: { used: 0, max: 3 },
    })
    await http.request(endpoint, { method: 'POST', headers, body: 'token=abc&token_type_hint=access_token' })
  },
}
const res: Record<string, number[]> = {}
for (let i = 0; i < 5; i++)
  for (const [k, v] of Object.entries(variants)) (res[k] ??= []).push(await run(5000, v))
for (const [k, v] of Object.entries(res))
  console.log(k.padEnd(14), v.sort((a, b) => a - b)[2]!.toFixed(0), 'req/s')
await transport.close()
provider.disconnect()
