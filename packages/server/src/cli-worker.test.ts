// `revokit worker` and `revokit serve --worker`: engine.reconcile on an interval until stopped.
// What a pass does is tested in core; here, that the commands run it on the config's store and
// stop cleanly.
import { createEngine, failed, memoryStore } from '@revokit/core'
import { scriptedAdapter } from '@revokit/core/testing'
import { scaled } from '@revokit/presets/time'
import { describe, expect, it } from 'vitest'
import { capture, runMain, writeConfig } from '../test/cli'
import { TEST_ENCRYPTION_KEY, withTestKey } from '../test/encryption-key'
import { testKinds } from '../test/kinds'
import { main } from './cli/main'

const KEY = 'cli-worker-test-key-0001'

/** A shared store holding one account whose revoke, an hour ago, left its refresh token pending. */
async function pendingAccount() {
  const store = { ...memoryStore(), close: async () => {} }
  const { kinds, built } = testKinds(store)
  const file = writeConfig({
    store: { kind: 'shared' },
    projects: [{ id: 'main', apiKeys: [KEY] }],
    toolkits: { part: { adapter: 'test', behaviour: 'partial' } },
  })
  const earlier = Date.now() - 3_600_000
  const seeding = createEngine({
    store,
    clock: () => earlier,
    adapters: [
      scriptedAdapter({
        toolkit: 'part',
        script: { refresh_token: [failed({ retryable: false, reason: 'provider answered 400' })] },
      }),
    ],
    encryption: { keys: [{ key: TEST_ENCRYPTION_KEY }] },
  })
  const account = await seeding.create({
    userId: 'u1',
    toolkit: 'part',
    projectId: 'main',
    credentials: { access_token: 'fake-a-u1', refresh_token: 'fake-r-u1' },
  })
  await seeding.revoke(account.id)
  expect(await store.get(account.id)).toMatchObject({ status: 'REVOKED', pendingSubjects: ['refresh_token'] })
  return { store, kinds, built, file, id: account.id }
}

async function until(check: () => boolean) {
  const give = Date.now() + scaled(30_000)
  while (!check()) {
    if (Date.now() > give) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('revokit worker', () => {
  it(
    'retries a pending subject on the config store, logs the pass, and stops with exit code 0',
    async () => {
      const { store, kinds, built, file, id } = await pendingAccount()
      const stdout = capture()
      const stderr = capture()
      let stop: (() => void) | undefined
      const exited = main(['worker', '--config', file, '--interval', '1'], {
        stdout,
        stderr,
        env: withTestKey(),
        kinds,
        signals: false,
        onWorker: (worker) => {
          stop = worker.stop
        },
      })
      await until(() => stdout.text.includes('worker: reconcile pass'))
      stop?.()
      expect(await exited).toBe(0)
      expect(stderr.text).toBe('')
      const pass = stdout.text.split('\n').find((line) => line.includes('worker: reconcile pass'))
      expect(JSON.parse(pass as string)).toMatchObject({ retried: 1, revoked: 0, gaveUp: 0 })
      // One retry of the refresh token through the config's adapter, recorded on the account.
      expect(built.get('part')?.calls.map((c) => c.subject)).toEqual(['refresh_token'])
      expect((await store.get(id))?.lastFailedRevoke).toMatchObject({ attempts: 1 })
      expect(stdout.text).not.toContain('fake-r-u1')
    },
    scaled(60_000),
  )

  it('refuses a bad --interval and --interval without --worker (exit 2)', async () => {
    const bad = await runMain(['worker', '--interval', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--interval must be a whole number')
    const serve = await runMain(['serve', '--interval', '5'])
    expect(serve.code).toBe(2)
    expect(serve.stderr).toContain('--interval needs --worker')
  })

  it('--help says what it does', async () => {
    const help = await runMain(['worker', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('revokit worker [--config FILE] [--interval N]')
  })
})

describe('revokit serve --worker', () => {
  it(
    'runs the same background work beside the API and stops it on shutdown',
    async () => {
      const { store, kinds, file, id } = await pendingAccount()
      const stdout = capture()
      const code = await main(['serve', '--config', file, '--port', '0', '--worker', '--interval', '1'], {
        stdout,
        stderr: capture(),
        env: withTestKey(),
        kinds,
        signals: false,
        onListening: (running) => {
          void until(() => stdout.text.includes('worker: reconcile pass')).then(() => running.close())
        },
      })
      expect(code).toBe(0)
      expect((await store.get(id))?.lastFailedRevoke).toMatchObject({ attempts: 1 })
    },
    scaled(60_000),
  )
})
