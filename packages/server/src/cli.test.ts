// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files spell environment variables as ${VAR}
// The `revokit` CLI. Every command runs in-process through main() with injected stdout, stderr,
// env and cwd (a seeded shared store where a test needs accounts); one test starts the real bin
// as a child process, so the suite stays fast and steady on a loaded machine.
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { createEngine, memoryStore } from '@revokit/core'
import { leaksWindow } from '@revokit/core/testing'
import { scaled } from '@revokit/presets/time'
import { describe, expect, it } from 'vitest'
import { capture, runCli, runMain, writeConfig } from '../test/cli'
import { TEST_ENCRYPTION_KEY } from '../test/encryption-key'
import { testKinds } from '../test/kinds'
import { main } from './cli/main'
import { errorEnvelopeSchema, listResponseSchema, revokeResponseSchema } from './wire'

const KEY = 'cli-test-key-0000000001'

const memoryConfig = () =>
  writeConfig({ store: { kind: 'memory' }, projects: [{ id: 'default', apiKeys: ['${REVOKIT_API_KEY}'] }] })

/** A config on one shared in-process store, seeded through an engine on the same store. */
async function seeded() {
  // The CLI closes the engine (and so the store) after each command; a store that ignores
  // close() lets one test run several commands on the same data.
  const store = { ...memoryStore(), close: async () => {} }
  const { kinds } = testKinds(store)
  const file = writeConfig({
    store: { kind: 'shared' },
    projects: [
      { id: 'main', apiKeys: [KEY] },
      { id: 'other', apiKeys: [`${KEY}-other`] },
    ],
    toolkits: {
      acme: { adapter: 'test' },
      part: { adapter: 'test', behaviour: 'partial' },
      down: { adapter: 'test', behaviour: 'fail' },
      noapi: { adapter: 'test', supportsAccess: false, supportsRefresh: false },
    },
  })
  // The CLI encrypts with the test key (test/cli.ts gives it), so the seeding engine does too.
  const engine = createEngine({ store, adapters: [], encryption: { keys: [{ key: TEST_ENCRYPTION_KEY }] } })
  // Several accounts per user and toolkit: the bulk commands must find them all.
  const create = (userId: string, toolkit: string, projectId = 'main') =>
    engine.create({
      userId,
      toolkit,
      projectId,
      allowMultiple: true,
      credentials: { access_token: `fake-a-${userId}`, refresh_token: `fake-r-${userId}` },
    })
  return { kinds, file, engine, store, create }
}

describe('the revokit bin as a child process', () => {
  // The one test that pays for real processes: the bin starts from source, prints help, and
  // turns main()'s result into the process exit code. Every command's behaviour is tested
  // in-process below.
  it(
    'starts, prints help with exit code 0, and exits 2 on a usage error',
    async () => {
      const help = await runCli(['--help'])
      expect(help).toMatchObject({ code: 0, stderr: '' })
      expect(help.stdout).toMatch(/Usage\n/)
      const usage = await runCli(['revok'])
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain("unknown command 'revok'")
    },
    scaled(60_000),
  )
})

describe('revokit CLI: help, usage and config errors', () => {
  it('--help for the CLI and each command: what it does, options, an example', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['revoke', '--help'],
      ['accounts', '--help'],
      ['accounts', 'refresh', '--help'],
      ['connect', '--help'],
      ['help', 'revoke'],
      ['help', 'connect'],
    ]) {
      const { code, stdout, stderr } = await runMain(args)
      expect(code).toBe(0)
      expect(stderr).toBe('')
      expect(stdout).toMatch(/Usage\n/)
      expect(stdout).toMatch(/Options\n/)
      expect(stdout).toMatch(/Examples?\n/)
    }
    expect((await runMain(['serve', '--help'])).stdout).toContain('--port N')
  })

  it('unknown commands and flags exit 2 with a pointer to help', async () => {
    const command = await runMain(['revok'])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain("unknown command 'revok'")
    expect(command.stderr).toContain("Run 'revokit --help'")
    const flag = await runMain(['revoke', 'ca_1a2b3c4d5e6f', '--forse'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("unknown option '--forse' for 'revokit revoke'")
    expect(flag.stderr).toContain("Run 'revokit revoke --help'")
    const port = await runMain(['serve', '--port', '99999', '--config', 'x.json'])
    expect(port.code).toBe(2)
    expect(port.stderr).toContain('--port must be a whole number from 0 to 65535')
  })

  it('a config error exits 1 naming the field and the fix', async () => {
    const { code, stderr, stdout } = await runMain(['accounts', 'list', '--config', memoryConfig()])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(
      'projects[0].apiKeys[0]: ${REVOKIT_API_KEY} is not set — export it or put the key in the file',
    )
    expect(stderr).toMatch(/^fix: /m)
  })

  it('revoke of an unknown id exits 1 with the message and the fix; --json prints the envelope', async () => {
    const env = { REVOKIT_API_KEY: 'fake-key-from-env-00001' }
    const human = await runMain(['revoke', 'ca_1a2b3c4d5e6f', '--config', memoryConfig()], { env })
    expect(human.code).toBe(1)
    expect(human.stderr).toContain('error: Connected account ca_1a2b3c4d5e6f does not exist.')
    expect(human.stderr).toMatch(/^fix: Check the id/m)
    const json = await runMain(['revoke', 'ca_1a2b3c4d5e6f', '--json', '--config', memoryConfig()], { env })
    expect(json.code).toBe(1)
    expect(errorEnvelopeSchema.parse(JSON.parse(json.stdout)).error.slug).toBe('connected_account_not_found')
  })

  it('accounts list and a bulk revoke on an empty store succeed and say so', async () => {
    const env = { REVOKIT_API_KEY: 'fake-key-from-env-00001', REVOKIT_CONFIG: memoryConfig() }
    const list = await runMain(['accounts', 'list'], { env })
    expect(list).toMatchObject({ code: 0, stdout: 'no accounts match\n' })
    const bulk = await runMain(['revoke', '--toolkit', 'github'], { env })
    expect(bulk.code).toBe(0)
    expect(bulk.stdout).toMatch(/^total\s+0$/m)
    expect(bulk.stdout).toContain('no ACTIVE accounts of toolkit github in project default')
  })
})

describe('revokit CLI in process', () => {
  it('revoke ID prints what died (human and --json wire body)', async () => {
    const { kinds, file, create } = await seeded()
    const a = await create('alice', 'acme')
    const human = await runMain(['revoke', a.id, '--config', file], { kinds })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(`revoked ${a.id}: access_token and refresh_token killed at the provider`)
    expect(human.stdout).toContain('status: REVOKED')
    expect(human.stdout).toMatch(/access_token\s+revoked/)
    const again = await runMain(['revoke', a.id, '--json', '--config', file], { kinds })
    expect(again.code).toBe(0)
    expect(revokeResponseSchema.parse(JSON.parse(again.stdout))).toEqual({
      revoked_tokens: [],
      connected_account: { id: a.id, status: 'REVOKED' },
      subjects: { access_token: 'already_revoked', refresh_token: 'already_revoked' },
    })
    expect(again.stdout).not.toContain('fake-')
    const text = await runMain(['revoke', a.id, '--config', file], { kinds })
    expect(text.stdout).toContain(`${a.id} was already revoked: nothing sent to the provider`)
  })

  it('revoke ID that fails upstream exits 1 with message, details and fix; a partial one notes the pending token', async () => {
    const { kinds, file, create } = await seeded()
    const down = await create('bob', 'down')
    const failed = await runMain(['revoke', down.id, '--config', file], { kinds })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('error: Revocation could not be completed')
    expect(failed.stderr).toMatch(/ {2}- refresh_token failed: provider answered 502/)
    expect(failed.stderr).toContain('fix: Check the provider status page.')
    const part = await create('carol', 'part')
    const partial = await runMain(['revoke', part.id, '--config', file], { kinds })
    expect(partial.code).toBe(0)
    expect(partial.stdout).toMatch(/refresh_token\s+failed/)
    expect(partial.stdout).toContain(`run 'revokit revoke ${part.id} --retry-pending' later`)
    // The partial adapter fails the refresh token every time: a retry dispatches it again and
    // reports it failed again, with nothing else dispatched.
    const retried = await runMain(['revoke', part.id, '--retry-pending', '--json', '--config', file], {
      kinds,
    })
    expect(retried.code).toBe(1)
    expect(errorEnvelopeSchema.parse(JSON.parse(retried.stdout)).error.slug).toBe('revoke_failed')
  })

  it('revoke output shows no 8 characters of a token or client secret a provider echoed in parts', async () => {
    const store = { ...memoryStore(), close: async () => {} }
    const { kinds } = testKinds(store)
    const clientSecret = 'fake-cli-secret-5d0c93a1e7'
    const file = writeConfig({
      store: { kind: 'shared' },
      projects: [{ id: 'main', apiKeys: [KEY] }],
      toolkits: { cuts: { adapter: 'test', behaviour: 'cuts', clientSecret: '${CUTS_SECRET}' } },
    })
    const engine = createEngine({ store, adapters: [] })
    const tokens = {
      access_token: 'fake-cli-access-93be07d2c4',
      refresh_token: 'fake-cli-refresh-41f2a8c6e0',
    }
    const account = await engine.create({
      userId: 'dave',
      toolkit: 'cuts',
      projectId: 'main',
      credentials: tokens,
    })
    const env = { CUTS_SECRET: clientSecret }
    const human = await runMain(['revoke', account.id, '--config', file], { kinds, env })
    const json = await runMain(['revoke', account.id, '--json', '--config', file], { kinds, env })
    const bulk = await runMain(['revoke', '--toolkit', 'cuts', '--config', file], { kinds, env })
    expect([human.code, json.code]).toEqual([1, 1])
    expect(human.stderr).toMatch(/refresh_token failed: invalid_client: \[REDACTED\]… rejected/)
    expect(bulk.stdout).toMatch(/failed\s+1/)
    const printed = [human, json, bulk].map((r) => `${r.stdout}\n${r.stderr}`).join('\n')
    expect(leaksWindow(printed, [clientSecret, tokens.access_token, tokens.refresh_token], 8)).toEqual([])
  })

  it('--project scopes a single revoke: another project’s account is not found', async () => {
    const { kinds, file, create } = await seeded()
    const theirs = await create('dave', 'acme', 'other')
    const result = await runMain(['revoke', theirs.id, '--project', 'main', '--config', file], { kinds })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not exist')
    const unknown = await runMain(['revoke', theirs.id, '--project', 'nope', '--config', file], { kinds })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("project 'nope' is not in the config (projects: main, other)")
  })

  it('bulk revoke by user: plain progress lines, a summary table of every outcome, exit 1 when any failed', async () => {
    const { kinds, file, create, engine } = await seeded()
    for (const toolkit of ['acme', 'acme', 'acme', 'part', 'down', 'noapi']) await create('erin', toolkit)
    await create('erin', 'acme', 'other') // another project: untouched
    await create('frank', 'acme') // another user: untouched
    const { code, stdout, stderr } = await runMain(
      ['revoke', '--user', 'erin', '--concurrency', '2', '--config', file],
      { kinds },
    )
    expect(code).toBe(1)
    expect(stderr).toContain('revoking ACTIVE accounts of user erin in project main (concurrency 2)')
    const progress = stderr.split('\n').filter((l) => l.startsWith('progress: '))
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress.at(-1)).toMatch(
      /^progress: 6\/6 \(100%\) revoked 3, partial 1, not supported 1, failed 1$/,
    )
    const table = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const m = /^(\D+?)\s+(\d+)/.exec(line) as RegExpExecArray
          return [m[1], Number(m[2])]
        }),
    )
    expect(table).toEqual({
      revoked: 3,
      partial: 1,
      'already revoked': 0,
      'not supported': 1,
      skipped: 0,
      failed: 1,
      total: 6,
    })
    expect(stderr).toMatch(/^failed: ca_\S+ \(user erin, toolkit down\): Revocation could not be completed/m)
    expect(stderr).toMatch(/^ {2}access_token failed: provider answered 502/m) // the reason, not just the headline
    expect(stderr).toContain('fix: failed accounts stay ACTIVE')
    const left = await engine.list({ statuses: ['ACTIVE'] })
    expect(left.items.map((a) => `${a.userId}/${a.toolkit}/${a.projectId}`).sort()).toEqual([
      'erin/acme/other',
      'erin/down/main',
      'erin/noapi/main',
      'frank/acme/main',
    ])
  })

  it('bulk revoke on a terminal redraws one progress line in place; --json prints a summary object', async () => {
    const { kinds, file, create } = await seeded()
    for (let i = 0; i < 5; i++) await create('gina', 'acme')
    const tty = await runMain(['revoke', '--toolkit', 'acme', '--user', 'gina', '--config', file], {
      kinds,
      tty: true,
    })
    expect(tty.code).toBe(0)
    const redraws = tty.stderr.split('\r\x1b[2K')
    expect(redraws.length).toBeGreaterThanOrEqual(3)
    expect(redraws.at(-1)).toMatch(/^\[█{24}\] 100% 5\/5 {2}revoked 5, failed 0 {2}[\d.]+\/s\n$/)
    expect(tty.stdout).toMatch(/^revoked\s+5\s+every token held is dead/m)

    for (let i = 0; i < 2; i++) await create('hugo', 'down')
    const json = await runMain(['revoke', '--user', 'hugo', '--json', '--config', file], { kinds })
    expect(json.code).toBe(1)
    const summary = JSON.parse(json.stdout)
    expect(summary).toMatchObject({ total: 2, processed: 2, failed: 2, revoked: 0, interrupted: false })
    expect(summary.failures).toHaveLength(2)
    expect(summary.failures[0].error.slug).toBe('revoke_failed')
  })

  it('--dry-run counts without revoking', async () => {
    const { kinds, file, create, engine } = await seeded()
    for (let i = 0; i < 3; i++) await create('ivan', 'acme')
    const { code, stdout } = await runMain(['revoke', '--user', 'ivan', '--dry-run', '--config', file], {
      kinds,
    })
    expect(code).toBe(0)
    expect(stdout).toBe('dry run: 3 ACTIVE account(s) of user ivan in project main would be revoked\n')
    expect(await engine.count({ userIds: ['ivan'], statuses: ['ACTIVE'] })).toBe(3)
  })

  it('revoke usage errors exit 2', async () => {
    const { kinds, file } = await seeded()
    for (const [args, says] of [
      [['revoke', '--config', file], 'say what to revoke'],
      [['revoke', 'ca_1a2b3c4d5e6f', '--user', 'x', '--config', file], 'not both'],
      [
        ['revoke', '--user', 'x', '--concurrency', '0', '--config', file],
        '--concurrency must be a whole number from 1 to 64',
      ],
      [['revoke', 'ca_1a2b3c4d5e6f', '--dry-run', '--config', file], 'apply to bulk revokes'],
      [['revoke', 'a', 'b', '--config', file], "unexpected argument 'b'"],
      [['accounts', 'show'], "unknown subcommand 'accounts show'"],
      [['accounts', 'list', '--status', 'DELETED', '--config', file], '--status must be one of'],
    ] as const) {
      const result = await runMain([...args], { kinds })
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toContain(says)
    }
  })

  it('stored data a terminal would act on is printed escaped: accounts list and bulk revoke failures', async () => {
    const { kinds, file, store, create } = await seeded()
    // Written past the API's checks (an older store, another writer): ESC clears the screen, CR
    // rewrites the line, a C1 CSI starts an escape, a bidi override reorders what is shown.
    const hostile = '\u001b[2J\rrevoked: 9999 \u009b31m\u202egnp'
    const plant = async (toolkit: string) => {
      const account = await create('planted', toolkit)
      const record = await store.get(account.id)
      if (!record) throw new Error('no record')
      expect(
        await store.compareAndSet(
          account.id,
          record.version,
          { ...record, userId: hostile, version: record.version + 1 },
          [],
        ),
      ).toBe(true)
    }
    await plant('acme')
    await plant('down')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw control characters
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/
    const listed = await runMain(['accounts', 'list', '--config', file], { kinds })
    expect(listed.code).toBe(0)
    expect(listed.stdout).not.toMatch(raw)
    expect(listed.stdout).toContain('\\x1b[2J\\x0drevoked: 9999 \\x9b31m\\u202egnp')
    const bulk = await runMain(['revoke', '--toolkit', 'down', '--config', file], { kinds })
    expect(bulk.code).toBe(1)
    expect(`${bulk.stdout}${bulk.stderr}`).not.toMatch(raw)
    expect(bulk.stderr).toContain('user \\x1b[2J\\x0drevoked')
  })

  it('accounts list: a table with filters and a cursor, or the API’s JSON', async () => {
    const { kinds, file, create } = await seeded()
    const made = []
    for (const toolkit of ['acme', 'part', 'acme']) made.push(await create('judy', toolkit))
    await create('judy', 'acme', 'other')
    const table = await runMain(
      ['accounts', 'list', '--user', 'judy', '--toolkit', 'acme', '--config', file],
      { kinds },
    )
    expect(table.code).toBe(0)
    const lines = table.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+PROJECT\s+USER\s+TOOLKIT\s+STATUS\s+CREATED$/)
    expect(lines).toHaveLength(4) // header, two in main, one in other
    expect(table.stdout).not.toContain('fake-a-')
    const page = await runMain(
      ['accounts', 'list', '--user', 'judy', '--project', 'main', '--limit', '2', '--config', file],
      { kinds },
    )
    const cursor = /^more: pass --cursor (\S+)$/m.exec(page.stdout)?.[1]
    expect(cursor).toBeTruthy()
    const rest = await runMain(
      [
        'accounts',
        'list',
        '--user',
        'judy',
        '--project',
        'main',
        '--json',
        '--cursor',
        cursor as string,
        '--config',
        file,
      ],
      { kinds },
    )
    const json = listResponseSchema.parse(JSON.parse(rest.stdout))
    expect(json.items).toHaveLength(1)
    expect(json.next_cursor).toBeNull()
    const first = [...page.stdout.matchAll(/^(ca_\S+)/gm)].map((m) => m[1])
    expect([...first, json.items[0]?.id].sort()).toEqual(made.map((a) => a.id).sort())
  })

  it('serve exits 1 with a fix when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    try {
      const { kinds } = testKinds()
      const file = writeConfig({ store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [KEY] }] })
      const result = await runMain(['serve', '--port', String(port), '--config', file], { kinds })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`error: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`)
      expect(result.stderr).toContain('fix: pick another --port')
    } finally {
      blocker.close()
    }
  })

  it('serve says at start when it has no redirect URI (no publicUrl, port 0), and not when it has one', async () => {
    const { kinds } = testKinds()
    const serveOnce = async (extra: Record<string, unknown>) => {
      const stdout = capture()
      const file = writeConfig({
        store: { kind: 'memory' },
        projects: [{ id: 'p', apiKeys: [KEY] }],
        ...extra,
      })
      const code = await main(['serve', '--port', '0', '--config', file], {
        stdout,
        stderr: capture(),
        env: {},
        kinds,
        signals: false,
        onListening: (running) => void running.close(),
      })
      expect(code).toBe(0)
      return stdout.text
    }
    expect(await serveOnce({})).toMatch(/no publicUrl.*redirect_uri_required/)
    expect(await serveOnce({ publicUrl: 'https://revokit.example.com' })).not.toContain(
      'redirect_uri_required',
    )
  })

  it('works from a store only: no API key is needed beyond a valid config', async () => {
    const store = memoryStore()
    const { kinds } = testKinds(store)
    const file = writeConfig({ store: { kind: 'shared' }, projects: [{ id: 'p', apiKeys: [KEY] }] })
    const result = await runMain(['accounts', 'list', '--json', '--config', file], { kinds })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ items: [], next_cursor: null })
  })
})
