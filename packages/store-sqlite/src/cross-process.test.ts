import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createEngine, type Store } from '@revokit/core'
import { scriptedAdapter } from '@revokit/core/testing'
import { scaled } from '@revokit/presets/time'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type Child, fakeSecret, findOnDisk, removeTempDirs, startChild, tempDbPath } from '../test/helpers'
import { sqliteStore } from './sqlite-store'

// Real operating-system processes sharing one database file: what `sqliteStore({ path })`
// promises beyond what two connections in one process can show.

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(removeTempDirs)

function track<T extends Store | Child | Server>(thing: T): T {
  if ('compareAndSet' in thing) cleanups.push(() => thing.close?.())
  else if ('listen' in thing) cleanups.push(() => new Promise((resolve) => thing.close(resolve)))
  else cleanups.push(() => thing.process.kill('SIGKILL'))
  return thing
}

/** A fake RFC 7009 revocation endpoint on loopback that answers slowly and records every hit. */
async function fakeProvider(delayMs: number) {
  const hits: Array<{ subject: string; token: string; pid: string }> = []
  const server = track(
    createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      const form = new URLSearchParams(body)
      hits.push({
        subject: form.get('token_type_hint') ?? '',
        token: form.get('token') ?? '',
        pid: form.get('pid') ?? '',
      })
      await sleep(delayMs)
      res.writeHead(200).end()
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

interface ChildResult {
  status: number
  revokedTokens?: string[]
  error?: string
}

describe('several processes sharing one file', () => {
  it('dispatch each subject exactly once however many revoke the same account at once', async () => {
    const path = tempDbPath()
    const store = track(sqliteStore({ path }))
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const credentials = { access_token: fakeSecret('access'), refresh_token: fakeSecret('refresh') }
    const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials })
    // Slow enough that every process's revokes overlap the one that holds the claim.
    const provider = await fakeProvider(150)

    const processes = 3
    const callsEach = 5
    const children = Array.from({ length: processes }, () =>
      track(
        startChild('revoke', {
          REVOKIT_DB: path,
          REVOKIT_ACCOUNT: account.id,
          REVOKIT_PROVIDER: provider.url,
          REVOKIT_CALLS: String(callsEach),
        }),
      ),
    )
    for (const child of children) expect(await child.next()).toMatchObject({ ready: true })
    for (const child of children) child.send('go')
    const outputs = await Promise.all(children.map((child) => child.next()))
    for (const child of children) expect(await child.exited).toEqual({ code: 0, signal: null })

    // Upstream: one POST per subject, with the account's real values, across all processes.
    expect(provider.hits.map((hit) => hit.subject).sort()).toEqual(['access_token', 'refresh_token'])
    for (const hit of provider.hits)
      expect(hit.token).toBe(credentials[hit.subject as keyof typeof credentials])

    const results = outputs.flatMap((output) => output.results as ChildResult[])
    expect(results).toHaveLength(processes * callsEach)
    expect(results.every((result) => result.status === 200)).toBe(true)
    const reporters = results.filter((result) => (result.revokedTokens ?? []).length > 0)
    expect(reporters).toHaveLength(1)
    expect(reporters[0]?.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect(results.filter((result) => result.revokedTokens?.length === 0)).toHaveLength(
      processes * callsEach - 1,
    )

    const stored = await store.get(account.id)
    expect(stored).toMatchObject({ status: 'REVOKED', credentials: {}, claim: null })
    expect((await store.events(account.id)).map((event) => event.type)).toEqual(['created', 'revoked'])
    expect(findOnDisk(path, Object.values(credentials))).toEqual([[], []])
  }, 60_000)

  it('a process killed mid-revoke leaves the account ACTIVE, revokable once its claim expires', async () => {
    const path = tempDbPath()
    const store = track(sqliteStore({ path }))
    const adapter = scriptedAdapter()
    const dispatchedAt: number[] = []
    const engine = createEngine({ store, adapters: [adapter] })
    const credentials = { access_token: fakeSecret('access'), refresh_token: fakeSecret('refresh') }
    const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials })
    // Long enough for the parent to see the claim still live after the kill, however loaded the machine is.
    const deadlineMs = scaled(1200)
    const graceMs = 400

    const child = track(
      startChild('hang', {
        REVOKIT_DB: path,
        REVOKIT_ACCOUNT: account.id,
        REVOKIT_DEADLINE_MS: String(deadlineMs),
        REVOKIT_GRACE_MS: String(graceMs),
      }),
    )
    expect(await child.next()).toMatchObject({ ready: true })
    // The child has claimed the account and is waiting on the provider: kill it there.
    expect(await child.next()).toMatchObject({ dispatching: 'refresh_token' })
    child.process.kill('SIGKILL')
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' })

    const orphaned = await store.get(account.id)
    expect(orphaned?.status).toBe('ACTIVE')
    expect(orphaned?.credentials).toEqual(credentials)
    const claim = orphaned?.claim
    expect(claim).not.toBeNull()
    const expiresAt = claim?.expiresAt as number
    const startedAt = Date.now()
    // The claim is still live, so this revoke must wait; otherwise the test proves nothing.
    expect(startedAt).toBeLessThan(expiresAt)

    const parent = createEngine({
      store,
      adapters: [
        {
          ...adapter,
          revoke(request, context) {
            dispatchedAt.push(Date.now())
            return adapter.revoke(request, context)
          },
        },
      ],
    })
    const result = await parent.revoke(account.id)

    // Not before the orphaned claim expired, and then it went through.
    expect(Math.min(...dispatchedAt)).toBeGreaterThanOrEqual(expiresAt)
    expect(result.revokedTokens).toEqual(['access_token', 'refresh_token'])
    expect(adapter.calls.map((call) => call.subject)).toEqual(['refresh_token', 'access_token'])
    expect(await store.get(account.id)).toMatchObject({ status: 'REVOKED', credentials: {}, claim: null })
    expect(expiresAt - startedAt).toBeLessThanOrEqual(deadlineMs + graceMs)
  }, 60_000)

  it('values a process killed inside its scrub window left in the files are gone once another store flushes', async () => {
    const path = tempDbPath()
    // Open through the other process's whole life, as a second server on the same file would be.
    const store = track(sqliteStore({ path }))
    const engine = createEngine({ store, adapters: [scriptedAdapter()] })
    const credentials = { access_token: fakeSecret('access'), refresh_token: fakeSecret('refresh') }
    const account = await engine.create({ userId: 'u1', toolkit: 'test', credentials })

    const child = track(startChild('revoke-then-hang', { REVOKIT_DB: path, REVOKIT_ACCOUNT: account.id }))
    expect(await child.next()).toEqual({ revoked: ['access_token', 'refresh_token'] })
    child.process.kill('SIGKILL')
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await store.get(account.id)).toMatchObject({ status: 'REVOKED', credentials: {} })
    // The dead process never checkpointed: its dead values are still in the WAL, or this proves nothing.
    expect(findOnDisk(path, Object.values(credentials)).flat()).toContain(`${path}-wal`)

    await store.flush?.()
    expect(findOnDisk(path, Object.values(credentials))).toEqual([[], []])
  }, 60_000)
})
