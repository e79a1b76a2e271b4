// pnpm demo: revokit's whole job on this machine, offline. A real authorization server mints real
// tokens; `revokit serve` (SQLite store) imports them as connected accounts; revoking through the
// HTTP API kills them, and the authorization server's own introspection proves it. Every
// expectation is checked: the demo exits non-zero if anything is not as shown.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AuthorizationServer, startAuthorizationServer } from '@revokit/example-authorization-server'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const cli = join(root, 'packages/server/src/cli.ts')
const registerSource = join(root, 'tooling/presets/register-source.mjs')

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
const bold = paint(1)
const dim = paint(2)
const green = paint(32)
const red = paint(31)

let step = 0
const heading = (text: string) => console.log(`\n${bold(`${++step}. ${text}`)}`)
const note = (text: string) => console.log(`   ${text}`)
const ok = (text: string) => console.log(`   ${green('✓')} ${text}`)

class DemoFailure extends Error {}
function expect(condition: unknown, what: string): asserts condition {
  if (!condition) throw new DemoFailure(what)
}

const tmp = mkdtempSync(join(tmpdir(), 'revokit-demo-'))
let as: AuthorizationServer | undefined
let server: ChildProcess | undefined

async function main() {
  console.log(bold('revokit demo: revoke real OAuth tokens at their provider, on this machine only'))

  heading('Start an authorization server (oidc-provider) on loopback')
  as = await startAuthorizationServer()
  note(`issuer               ${as.issuer}`)
  note(`revocation endpoint  ${as.revocationEndpoint}   (RFC 7009)`)
  note(`introspection        ${as.introspectionEndpoint}   (RFC 7662)`)

  heading('Write a revokit config: secrets come from the environment')
  const apiKey = `rk_demo_${randomBytes(12).toString('hex')}`
  const client = as.clients.basic
  const configPath = join(tmp, 'revokit.json')
  const config = {
    port: 0,
    store: { kind: 'sqlite', path: './revokit.db' },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} placeholder the config loader fills
    projects: [{ id: 'default', apiKeys: ['${REVOKIT_API_KEY}'] }],
    toolkits: {
      acme: {
        adapter: 'rfc7009',
        issuer: as.issuer,
        clientId: client.clientId,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} placeholder the config loader fills
        clientSecret: '${ACME_CLIENT_SECRET}',
        authMethod: 'client_secret_basic',
      },
    },
  }
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`)
  note(dim(configPath))
  for (const line of JSON.stringify(config, null, 2).split('\n')) note(dim(line))

  heading('Start `revokit serve` on an SQLite file')
  const url = await startServer(configPath, {
    REVOKIT_API_KEY: apiKey,
    ACME_CLIENT_SECRET: client.clientSecret,
  })
  note(`listening on ${url}   (store: ${join(tmp, 'revokit.db')})`)
  const api = (method: string, path: string, body?: unknown) => call(url, apiKey, method, path, body)

  heading('Mint real tokens for two users at the authorization server')
  const alice = await as.mintTokens({ accountId: 'alice' })
  const bob = await as.mintTokens({ accountId: 'bob' })
  for (const [who, t] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    const a = await as.introspect(t.accessToken)
    const r = await as.introspect(t.refreshToken)
    expect(a.active && r.active, `${who}'s new tokens should introspect as active`)
    ok(`${who}: access token and refresh token introspect as active`)
  }

  heading('Import them as connected accounts: POST /api/v3/connected_accounts')
  const credentials = (t: typeof alice) => ({
    access_token: t.accessToken,
    refresh_token: t.refreshToken,
    token_type: 'Bearer',
  })
  const aliceAccount = await api('POST', '/api/v3/connected_accounts', {
    user_id: 'alice',
    toolkit: 'acme',
    credentials: credentials(alice),
  })
  expect(aliceAccount.status === 201, 'creating an account answers 201')
  show(aliceAccount)
  const bobAccount = await api('POST', '/api/v3/connected_accounts', {
    user_id: 'bob',
    toolkit: 'acme',
    credentials: credentials(bob),
  })
  expect(bobAccount.status === 201, 'creating an account answers 201')
  const aliceId = aliceAccount.body.id as string
  const bobId = bobAccount.body.id as string
  note(dim(`bob: ${bobId} (201)`))

  const masked = await api('GET', `/api/v3/connected_accounts/${aliceId}`)
  expect(
    masked.status === 200 && masked.body.credentials?.access_token === '********',
    'GET masks credentials',
  )
  ok(
    `GET /api/v3/connected_accounts/${aliceId} masks the credentials: ${JSON.stringify(masked.body.credentials)}`,
  )

  heading(`Revoke alice: POST /api/v3.1/connected_accounts/${aliceId}/revoke`)
  const revoked = await api('POST', `/api/v3.1/connected_accounts/${aliceId}/revoke`)
  show(revoked)
  expect(revoked.status === 200, 'revoking an ACTIVE account answers 200')
  expect(
    JSON.stringify([...revoked.body.revoked_tokens].sort()) === '["access_token","refresh_token"]',
    'both tokens are reported revoked',
  )
  expect(revoked.body.connected_account?.status === 'REVOKED', 'the account is REVOKED')

  heading("Ask the authorization server: are alice's tokens dead?")
  for (const [name, token] of [
    ['access token', alice.accessToken],
    ['refresh token', alice.refreshToken],
  ] as const) {
    const state = await as.introspect(token)
    expect(state.active === false, `alice's ${name} should introspect as inactive after the revoke`)
    ok(`alice's ${name}: introspection says ${JSON.stringify(state)}`)
  }
  const bobStill = await as.introspect(bob.accessToken)
  expect(bobStill.active, "bob's token is untouched")
  ok("bob's access token is still active: only alice was revoked")

  heading('Revoke alice again: already REVOKED, so 200 with nothing dispatched')
  const before = as.hits.length
  const again = await api('POST', `/api/v3.1/connected_accounts/${aliceId}/revoke`)
  show(again)
  expect(
    again.status === 200 && again.body.revoked_tokens.length === 0,
    'a second revoke answers 200 with []',
  )
  expect(as.hits.length === before, 'a second revoke makes no upstream call')
  ok('the authorization server received no request')

  heading('409: bob is disabled (INACTIVE), and only ACTIVE or REVOKED accounts can be revoked')
  const disabled = await api('PATCH', `/api/v3/connected_accounts/${bobId}/status`, { enabled: false })
  expect(disabled.status === 200 && disabled.body.status === 'INACTIVE', 'disabling answers 200 INACTIVE')
  note(dim(`PATCH …/${bobId}/status {"enabled":false} → 200 ${disabled.body.status}`))
  const conflict = await api('POST', `/api/v3.1/connected_accounts/${bobId}/revoke`)
  show(conflict)
  expect(conflict.status === 409, 'revoking an INACTIVE account answers 409')
  expect((await as.introspect(bob.accessToken)).active, "bob's tokens stay live: nothing was dispatched")
  ok("bob's tokens are still active")

  heading('400: a toolkit with no revocation adapter configured')
  const notion = await api('POST', '/api/v3/connected_accounts', {
    user_id: 'carol',
    toolkit: 'notion',
    credentials: { access_token: 'fake-notion-token' },
  })
  expect(notion.status === 201, 'creating a notion account answers 201')
  const unsupported = await api('POST', `/api/v3.1/connected_accounts/${notion.body.id}/revoke`)
  show(unsupported)
  expect(unsupported.status === 400, 'revoking where no adapter exists answers 400')
  const malformed = await api('POST', '/api/v3.1/connected_accounts/not-an-id/revoke')
  expect(malformed.status === 400, 'a malformed id answers 400')
  note(dim(`POST …/not-an-id/revoke → 400 ${malformed.body.error?.slug}: ${malformed.body.error?.message}`))

  heading('Re-enable bob and revoke him too')
  const enabled = await api('PATCH', `/api/v3/connected_accounts/${bobId}/status`, { enabled: true })
  expect(enabled.status === 200 && enabled.body.status === 'ACTIVE', 'enabling answers 200 ACTIVE')
  const bobRevoked = await api('POST', `/api/v3.1/connected_accounts/${bobId}/revoke`)
  expect(bobRevoked.status === 200 && bobRevoked.body.revoked_tokens.length === 2, 'bob is revoked')
  expect(!(await as.introspect(bob.refreshToken)).active, "bob's refresh token is dead")
  ok(
    `revoked_tokens ${JSON.stringify(bobRevoked.body.revoked_tokens)}; introspection: bob's tokens are inactive`,
  )

  const list = await api('GET', '/api/v3/connected_accounts')
  expect(list.status === 200, 'listing answers 200')
  heading('GET /api/v3/connected_accounts')
  for (const item of list.body.items)
    note(`${item.id}  ${item.user_id.padEnd(6)} ${item.toolkit.slug.padEnd(7)} ${item.status}`)

  console.log(
    `\n${green(bold('Done:'))} real tokens imported, revoked through the HTTP API, and confirmed dead by the provider.`,
  )
}

/** Starts `revokit serve` from source and resolves with its URL once it logs `listening`. */
function startServer(configPath: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@revokit/source',
        '--import',
        registerSource,
        cli,
        'serve',
        '--config',
        configPath,
        '--port',
        '0',
      ],
      { env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    server = child
    let output = ''
    const timer = setTimeout(() => reject(new DemoFailure(`revokit serve did not start:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      for (const line of output.split('\n')) {
        if (!line.includes('"listening"')) continue
        try {
          const url = JSON.parse(line).url as string
          clearTimeout(timer)
          child.stdout?.off('data', onData)
          resolve(url)
          return
        } catch {}
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new DemoFailure(`revokit serve exited (${code}) before listening:\n${output}`))
    })
  })
}

interface Answer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies are printed and spot-checked, not typed
  body: any
  line: string
}

async function call(
  url: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    line: `${method} ${path} → ${res.status} (x-request-id: ${res.headers.get('x-request-id')})`,
  }
}

function show(answer: Answer) {
  note(answer.line)
  for (const line of JSON.stringify(answer.body, null, 2).split('\n')) note(`  ${line}`)
}

async function cleanUp() {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve))
    server.kill('SIGTERM') // graceful: revokit finishes requests in flight and closes the store
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
    if (server.exitCode === null) server.kill('SIGKILL')
  }
  await as?.close()
  rmSync(tmp, { recursive: true, force: true })
}

let exitCode = 0
try {
  await main()
} catch (error) {
  exitCode = 1
  console.error(`\n${red('demo failed:')} ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await cleanUp()
}
process.exit(exitCode)
