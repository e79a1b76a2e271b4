// `revokit connect` and `revokit accounts refresh`, in-process through main(), against a real
// server (the one that receives the provider's redirect) sharing one SQLite file with the CLI,
// and a fake authorization server on 127.0.0.1. Nothing the CLI prints holds a token.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type FakeAuthorizationServer, fakeAuthorizationServer } from '@revokit/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capture, runMain } from '../test/cli'
import { withTestKey } from '../test/encryption-key'
import { testKinds } from '../test/kinds'
import {
  consent,
  fakeProviderToolkit,
  KEY_A,
  KEY_A_TOKENS,
  KEY_A2,
  KEY_B,
  REFRESH_REFUSED,
  startTestServer,
  type TestServer,
} from '../test/server'
import { main } from './cli/main'

describe('revokit connect and accounts refresh', () => {
  let provider: FakeAuthorizationServer
  let server: TestServer
  let configFile: string
  const { kinds } = testKinds()
  const outputs: string[] = []

  beforeAll(async () => {
    // Every code, token and client secret it mints starts with `CANARY-`, to find partial leaks too.
    provider = await fakeAuthorizationServer({ prefix: 'CANARY-' })
    const toolkits = { acme: fakeProviderToolkit(provider), plain: { adapter: 'test' } }
    const store = (dir: string) => ({ kind: 'sqlite', path: join(dir, 'revokit.db') })
    server = await startTestServer({ store, publicUrl: true, toolkits })
    // The CLI reads its own config file naming the same store, publicUrl and toolkits.
    configFile = join(server.dir, 'cli.json')
    writeFileSync(
      configFile,
      JSON.stringify({
        publicUrl: server.url,
        store: store(server.dir),
        projects: [
          { id: 'proj_a', apiKeys: [KEY_A, KEY_A2, { key: KEY_A_TOKENS, credentials: true }] },
          { id: 'proj_b', apiKeys: [KEY_B] },
        ],
        toolkits,
      }),
    )
  })
  afterAll(async () => {
    await server?.close()
    await provider?.close()
  })

  /** Runs `revokit connect …`; `onLink` gets the consent link as soon as it is printed. */
  async function runConnect(args: string[], onLink: (url: string) => Promise<void>, tty = false) {
    const stdout = capture()
    const stderr = capture(tty)
    let handled: Promise<void> | undefined
    const watching = {
      ...stdout,
      isTTY: false,
      write(chunk: string) {
        stdout.write(chunk)
        const url = /^ {2}(http\S+)$/m.exec(stdout.text)?.[1]
        if (url && !handled) handled = onLink(url)
        return true
      },
    }
    const code = await main(['connect', '--config', configFile, ...args], {
      stdout: watching,
      stderr,
      env: withTestKey(),
      kinds,
      signals: false,
      progress: { redrawMs: 10 },
    })
    await handled
    outputs.push(stdout.text, stderr.text)
    return { code, stdout: stdout.text, stderr: stderr.text }
  }

  /** The user's browser: consent at the provider, then follow the redirect to the server. */
  async function completeInBrowser(url: string) {
    const back = new URL(await consent(url))
    const landed = await fetch(`${server.url}${back.pathname}${back.search}`, { redirect: 'manual' })
    expect(landed.status).toBe(200)
  }

  it('prints the consent link, waits, and exits 0 once the server made the account ACTIVE', async () => {
    const result = await runConnect(['--user', 'alice', '--toolkit', 'acme'], completeInBrowser)
    // Plain lines when not a terminal: no carriage returns, no escape sequences.
    expect(result.stderr).not.toContain('\r')
    expect(result.stderr).not.toContain('\x1b[')
    expect(result.stderr).toContain('waiting for ca_')
    expect(result.code).toBe(0)
    const id = /connected (ca_[A-Za-z0-9_-]+): ACTIVE/.exec(result.stdout)?.[1]
    expect(id).toBeDefined()
    const account = await server.request(`/api/v3/connected_accounts/${id}`)
    expect(((await account.json()) as { status: string }).status).toBe('ACTIVE')
  })

  it('a second connect for the same user answers 409 naming the account; --allow-multiple connects another', async () => {
    const again = await runConnect(['--user', 'alice', '--toolkit', 'acme'], async () => {})
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/ca_/)
    const more = await runConnect(
      ['--user', 'alice', '--toolkit', 'acme', '--allow-multiple'],
      completeInBrowser,
    )
    expect(more.code).toBe(0)
  })

  it('--timeout: a clear message and exit 1 when nobody consents; a spinner on a terminal', async () => {
    const result = await runConnect(
      ['--user', 'bob', '--toolkit', 'acme', '--timeout', '1'],
      async () => {},
      true,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/did not become ACTIVE within 1 s/)
    expect(result.stderr).toMatch(/fix: .*--timeout/)
    expect(result.stderr).toContain('\r\x1b[2K')
  })

  it('usage errors exit 2: no --user, no --toolkit, a bad --timeout', async () => {
    for (const args of [
      ['connect', '--toolkit', 'acme'],
      ['connect', '--user', 'u'],
      ['connect', '--user', 'u', '--toolkit', 'acme', '--timeout', '0'],
    ]) {
      const result = await runMain([...args, '--config', configFile], { kinds })
      expect(result.code).toBe(2)
      expect(result.stderr).toContain("Run 'revokit connect --help'")
    }
  })

  it('a toolkit that cannot connect exits 1 with the engine’s fix', async () => {
    const result = await runConnect(['--user', 'carol', '--toolkit', 'plain'], async () => {})
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^fix: /m)
  })

  it('accounts refresh ID: refreshed with the refresh grant, no token printed; --json as the API', async () => {
    const connected = await runConnect(['--user', 'dave', '--toolkit', 'acme'], completeInBrowser)
    const id = /connected (ca_[A-Za-z0-9_-]+)/.exec(connected.stdout)?.[1] as string
    const before = provider.lastAccessToken()
    const text = await runMain(['accounts', 'refresh', id, '--config', configFile], { kinds })
    outputs.push(text.stdout, text.stderr)
    expect(text.stderr).toBe('')
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`refreshed ${id}`)
    expect(provider.lastAccessToken()).not.toBe(before)
    const json = await runMain(['accounts', 'refresh', id, '--json', '--config', configFile], { kinds })
    outputs.push(json.stdout, json.stderr)
    expect(JSON.parse(json.stdout)).toEqual({ id, status: 'ACTIVE', redirect_url: null })
    const missing = await runMain(['accounts', 'refresh', 'ca_doesnotexist00', '--config', configFile], {
      kinds,
    })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^fix: /m)
    expect((await runMain(['accounts', 'refresh', '--config', configFile], { kinds })).code).toBe(2)
  })

  it('accounts refresh when the provider refuses the refresh token: prints the link to reconnect', async () => {
    const connected = await runConnect(['--user', 'erin', '--toolkit', 'acme'], completeInBrowser)
    const id = /connected (ca_[A-Za-z0-9_-]+)/.exec(connected.stdout)?.[1] as string
    provider.answer = REFRESH_REFUSED
    try {
      const result = await runMain(['accounts', 'refresh', id, '--config', configFile], { kinds })
      outputs.push(result.stdout, result.stderr)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('must consent again')
      expect(result.stdout).toContain(provider.authorizationEndpoint)
    } finally {
      provider.answer = undefined
    }
  })

  it('canaries: no token, code, verifier or client secret in anything the CLI printed', () => {
    const printed = outputs.join('\n')
    expect(provider.issued.length).toBeGreaterThan(0)
    for (const value of [
      provider.clientSecret,
      ...provider.issued,
      ...provider.codes,
      ...provider.verifiers,
    ]) {
      expect(printed).not.toContain(value)
    }
    expect(printed).not.toContain('CANARY-')
  })
})
