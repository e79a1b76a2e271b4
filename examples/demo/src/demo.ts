// pnpm demo: revokit's whole job on this machine, offline. `revokit serve` (SQLite store) links a
// user to a real authorization server (oidc-provider): the user's consent on its login and
// consent pages, played by an HTTP client with a cookie jar, brings the browser back to revokit's
// callback and the account is ACTIVE. Its credentials are handed out, the access token expires
// and is refreshed, and revoking through the HTTP API kills the tokens; the authorization
// server's own introspection proves each step. Then accounts holding tokens minted elsewhere are
// imported and revoked the same way. The SQLite file is encrypted (REVOKIT_ENCRYPTION_KEY): the
// demo reads its bytes at the end and finds no token in them. Every expectation is checked: the demo exits non-zero if
// anything is not as shown, and no token, code or state is ever printed, not even in part.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type AuthorizationServer,
  completeConsent,
  startAuthorizationServer,
} from '@revokit/example-authorization-server'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const cli = join(root, 'packages/server/src/cli.ts')
const registerSource = join(root, 'tooling/presets/register-source.mjs')

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
const bold = paint(1)
const dim = paint(2)
const green = paint(32)
const red = paint(31)

/** How long the authorization server's access tokens live at first: the demo watches one expire. */
const ACCESS_TOKEN_TTL_S = 5
// How much longer than usual the demo waits for its servers (its test sets it on a loaded machine).
const WAIT_SCALE = Math.max(1, Number(process.env.REVOKIT_DEMO_WAIT_SCALE) || 1)

/** Everything printed, for the canary at the end. */
const transcript: string[] = []
const print = (text: string) => {
  transcript.push(text)
  console.log(text)
}
let step = 0
const heading = (text: string) => print(`\n${bold(`${++step}. ${text}`)}`)
const note = (text: string) => print(`   ${text}`)
const ok = (text: string) => print(`   ${green('✓')} ${text}`)

class DemoFailure extends Error {}
function expect(condition: unknown, what: string): asserts condition {
  if (!condition) throw new DemoFailure(what)
}

const tmp = mkdtempSync(join(tmpdir(), 'revokit-demo-'))
let as: AuthorizationServer | undefined
let server: ChildProcess | undefined
let app: AppPage | undefined

/** Every secret value the demo handles; none may appear, whole or in part, in what it prints. */
const secrets: string[] = []
const keep = (...values: unknown[]) => {
  for (const value of values) if (typeof value === 'string' && value.length > 0) secrets.push(value)
}

async function main() {
  print(
    bold(
      'revokit demo: connect, refresh and revoke real OAuth tokens at their provider, on this machine only',
    ),
  )

  // revokit's public URL is in its config, and the authorization server registers the callback
  // route under it, so the port is chosen before either starts.
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  const callbackRoute = `${publicUrl}/api/v3/toolkits/auth/callback`

  heading('Start an authorization server (oidc-provider) on loopback')
  as = await startAuthorizationServer({ redirectUris: [callbackRoute], accessTokenTtl: ACCESS_TOKEN_TTL_S })
  note(`issuer               ${as.issuer}`)
  note(`authorization        ${as.authorizationEndpoint}   (login and consent pages, PKCE S256 required)`)
  note(`token endpoint       ${as.tokenEndpoint}   (code exchange, refresh grant with rotation)`)
  note(`revocation endpoint  ${as.revocationEndpoint}   (RFC 7009)`)
  note(`introspection        ${as.introspectionEndpoint}   (RFC 7662)`)
  note(dim(`access tokens live ${ACCESS_TOKEN_TTL_S} s here, so the demo can watch one expire`))
  app = await startAppPage()
  note(`the app's page       ${app.url}   (where users land once connected)`)

  heading('Write a revokit config: secrets come from the environment')
  const apiKey = `rk_demo_${randomBytes(12).toString('hex')}`
  // What `revokit keygen` prints: 32 random bytes, base64. Tokens reach the file only encrypted.
  const encryptionKey = randomBytes(32).toString('base64')
  const client = as.clients.basic
  keep(apiKey, client.clientSecret, encryptionKey)
  const configPath = join(tmp, 'revokit.json')
  const config = {
    port,
    publicUrl,
    store: { kind: 'sqlite', path: './revokit.db' },
    projects: [
      {
        id: 'default',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} placeholder the config loader fills
        apiKeys: [{ key: '${REVOKIT_API_KEY}', credentials: true }],
      },
    ],
    toolkits: {
      acme: {
        adapter: 'rfc7009',
        issuer: as.issuer,
        clientId: client.clientId,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} placeholder the config loader fills
        clientSecret: '${ACME_CLIENT_SECRET}',
        authMethod: 'client_secret_basic',
        scopes: ['openid', 'offline_access'],
      },
    },
  }
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`)
  note(dim(configPath))
  for (const line of JSON.stringify(config, null, 2).split('\n')) note(dim(line))

  heading('Start `revokit serve` on an SQLite file')
  const url = await startServer(configPath, port, {
    REVOKIT_API_KEY: apiKey,
    ACME_CLIENT_SECRET: client.clientSecret,
    REVOKIT_ENCRYPTION_KEY: encryptionKey,
  })
  note(`listening on ${url}   (store: ${join(tmp, 'revokit.db')})`)
  note(
    dim('tokens are stored encrypted with REVOKIT_ENCRYPTION_KEY (made for this run, like `revokit keygen`)'),
  )
  const api = (method: string, path: string, body?: unknown) => call(url, apiKey, method, path, body)

  // ── Connect ──────────────────────────────────────────────────────────────────────────────
  heading('Connect dana: POST /api/v3/connected_accounts/link')
  const link = await api('POST', '/api/v3/connected_accounts/link', {
    user_id: 'dana',
    toolkit: 'acme',
    callback_url: app.url,
  })
  show(link)
  expect(link.status === 201, 'a link answers 201')
  expect(link.body.status === 'INITIATED', 'the new account is INITIATED')
  const danaId = link.body.connected_account_id as string
  const redirectUrl = new URL(link.body.redirect_url as string)
  // revokit's state names its account (`ca_….`, public: it is in the link's answer) and carries
  // a random secret; the secret is what must never show.
  const stateSecret = (state: string | null) => state?.replace(`${danaId}.`, '')
  keep(stateSecret(redirectUrl.searchParams.get('state')))
  expect(
    `${redirectUrl.origin}${redirectUrl.pathname}` === as.authorizationEndpoint,
    'redirect_url is the authorization endpoint',
  )
  expect(
    redirectUrl.searchParams.get('code_challenge_method') === 'S256',
    'the link carries a PKCE S256 challenge',
  )
  expect(
    redirectUrl.searchParams.get('redirect_uri') === callbackRoute,
    "the redirect URI is revokit's callback",
  )
  ok(`send dana's browser to redirect_url: the authorization endpoint, with ${paramNames(redirectUrl)}`)

  heading("dana signs in and consents on the authorization server's pages")
  note(dim('an HTTP client with a cookie jar plays her browser (the browser e2e test does it in Chromium)'))
  const consent = await completeConsent(redirectUrl, { login: 'dana' })
  keep(consent.redirectTo.searchParams.get('code'), stateSecret(consent.redirectTo.searchParams.get('state')))
  expect(consent.pages.join() === 'login,consent', 'the server showed its login page, then its consent page')
  ok('login page: signed in as dana; consent page: Continue')
  expect(
    `${consent.redirectTo.origin}${consent.redirectTo.pathname}` === callbackRoute,
    "the authorization server sends the browser back to revokit's callback",
  )
  note(`the authorization server redirects the browser to ${maskUrl(consent.redirectTo)}`)
  const callback = await fetch(consent.redirectTo, { redirect: 'manual' })
  const callbackBody = await callback.text()
  const location = callback.headers.get('location') ?? ''
  note(
    `GET /api/v3/toolkits/auth/callback?${paramNames(consent.redirectTo, '&')} → ${callback.status} (x-request-id: ${callback.headers.get('x-request-id')})`,
  )
  note(`  location: ${location}`)
  // revokit's error envelope never holds a secret, so a failure shows it.
  expect(
    callback.status === 303,
    `the callback answers 303, not ${callback.status} ${callbackBody.slice(0, 600)}`,
  )
  const landed = await fetch(new URL(location, url))
  await landed.body?.cancel()
  const back = app.received.at(-1)
  expect(
    landed.status === 200 && back?.get('status') === 'success' && back.get('connected_account_id') === danaId,
    "the browser lands on the app's page with status=success and the account id",
  )
  ok(`back on the app's page: status=success, connected_account_id=${danaId}`)

  const active = await api('GET', `/api/v3/connected_accounts/${danaId}`)
  expect(active.status === 200 && active.body.status === 'ACTIVE', 'the account is ACTIVE')
  expect(active.body.credentials?.access_token === '********', 'GET masks credentials')
  ok(
    `GET /api/v3/connected_accounts/${danaId} → ${active.body.status}, credentials ${JSON.stringify(active.body.credentials)}`,
  )

  // ── Use and refresh ────────────────────────────────────────────────────────────────────
  heading(`Hand the tokens to the code that calls the provider: GET …/${danaId}/credentials`)
  const grantsBefore = refreshGrants(as)
  const first = await api('GET', `/api/v3/connected_accounts/${danaId}/credentials`)
  keep(...tokensOf(first.body?.val))
  show(first)
  expect(first.status === 200 && first.body.auth_scheme === 'OAUTH2', 'credentials answer 200 OAUTH2')
  const firstAccess = first.body.val.access_token as string
  const firstRefresh = first.body.val.refresh_token as string
  if (refreshGrants(as) > grantsBefore) {
    note(
      dim(
        `revokit refreshed first: it never hands out an access token that expires within a minute, and these live ${ACCESS_TOKEN_TTL_S} s`,
      ),
    )
  }
  const firstState = await as.introspect(firstAccess)
  // On a loaded machine the short-lived token may already be past its lifetime when the demo
  // asks; that is the provider's clock, not a dead grant. Inactive before then is a failure.
  // (One second of allowance: the provider counts whole seconds.)
  const expiresAt = Date.parse(String(first.body.expires_at))
  const outlived = !firstState.active && Date.now() >= expiresAt - 1000
  expect(
    (firstState.active && firstState.sub === 'dana') || outlived,
    "dana's access token introspects as active",
  )
  if (firstState.active) {
    ok(`access token (${firstAccess.length} characters): introspection says active, sub "${firstState.sub}"`)
  } else {
    note(dim('this machine is slow: the access token had already outlived its lifetime when the demo asked'))
  }

  heading("Let the access token expire: the authorization server's introspection says when")
  const started = Date.now()
  while ((await as.introspect(firstAccess)).active) {
    expect(Date.now() - started < 30_000 * WAIT_SCALE, 'the access token should expire within its lifetime')
    await sleep(250)
  }
  ok(`${((Date.now() - started) / 1000).toFixed(1)} s later: introspection says {"active":false}`)
  as.setAccessTokenTtl(3600)
  note(
    dim('new access tokens live an hour from here on: what kills the next one is the revoke, not the clock'),
  )

  heading('GET …/credentials again: revokit refreshes the expired token')
  const grantsBeforeSecond = refreshGrants(as)
  const second = await api('GET', `/api/v3/connected_accounts/${danaId}/credentials`)
  keep(...tokensOf(second.body?.val))
  show(second)
  expect(second.status === 200, 'credentials answer 200')
  const access = second.body.val.access_token as string
  const refresh = second.body.val.refresh_token as string
  expect(refreshGrants(as) === grantsBeforeSecond + 1, 'the authorization server saw one refresh grant')
  expect(access !== firstAccess, 'a new access token')
  expect((await as.introspect(access)).active, 'the new access token introspects as active')
  ok(`a new access token (${access.length} characters), by one refresh grant: introspection says active`)
  expect(refresh !== firstRefresh && !(await as.introspect(firstRefresh)).active, 'the refresh token rotated')
  ok('the refresh token rotated: the server gave a new one, and the old one introspects as inactive')

  // ── Revoke ─────────────────────────────────────────────────────────────────────────────
  heading(`Revoke dana: POST /api/v3.1/connected_accounts/${danaId}/revoke`)
  const danaRevoked = await api('POST', `/api/v3.1/connected_accounts/${danaId}/revoke`)
  show(danaRevoked)
  expect(danaRevoked.status === 200, 'revoking an ACTIVE account answers 200')
  expect(danaRevoked.body.connected_account?.status === 'REVOKED', 'the account is REVOKED')

  heading("Ask the authorization server: are dana's tokens dead?")
  for (const [name, token] of [
    ['access token', access],
    ['refresh token', refresh],
  ] as const) {
    const state = await as.introspect(token)
    expect(state.active === false, `dana's ${name} should introspect as inactive after the revoke`)
    ok(`dana's ${name}: introspection says ${JSON.stringify(state)}`)
  }
  const afterRevoke = await api('GET', `/api/v3/connected_accounts/${danaId}/credentials`)
  expect(afterRevoke.status === 409, 'a REVOKED account hands out no credentials')
  note(
    `GET …/${danaId}/credentials → 409 ${afterRevoke.body.error?.slug}: ${afterRevoke.body.error?.message}`,
  )

  // ── Import ─────────────────────────────────────────────────────────────────────────────
  heading('Accounts can also be imported: mint real tokens for alice and bob at the authorization server')
  const alice = await as.mintTokens({ accountId: 'alice' })
  const bob = await as.mintTokens({ accountId: 'bob' })
  keep(alice.accessToken, alice.refreshToken, bob.accessToken, bob.refreshToken)
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

  heading('Read the SQLite file: no token in it, whole or in part')
  const db = join(tmp, 'revokit.db')
  const onDisk = Buffer.concat(
    [db, `${db}-wal`].map((file) => (existsSync(file) ? readFileSync(file) : Buffer.alloc(0))),
  )
  // carol's token is still live (no adapter could revoke it): only encryption keeps it out.
  const tokens = [
    ...secrets.filter((secret) => secret !== apiKey && secret !== encryptionKey),
    'fake-notion-token',
  ]
  for (const secret of tokens) {
    for (let at = 0; at + 8 <= secret.length; at++) {
      expect(
        !onDisk.includes(secret.slice(at, at + 8)),
        'no token is in the database file, not even 8 characters of one',
      )
    }
  }
  ok(
    `${onDisk.length.toLocaleString('en')} bytes of revokit.db and its WAL: none of the ${tokens.length} tokens, codes and secrets is in them, carol's live one included`,
  )

  // The canary: nothing printed holds a secret, nor any 12 characters of one.
  const printed = transcript.join('\n')
  for (const secret of secrets) {
    const width = Math.min(12, secret.length)
    for (let at = 0; at + width <= secret.length; at++) {
      expect(
        !printed.includes(secret.slice(at, at + width)),
        'no token, code, state or secret is ever printed',
      )
    }
  }
  ok(
    `none of the ${secrets.length} secrets the demo handled (tokens, code, state, API key, client secret) was printed, not even in part`,
  )

  print(
    `\n${green(bold('Done:'))} connected through the consent pages, refreshed, revoked, imported accounts revoked too, and every token confirmed dead by the provider.`,
  )
}

/** Starts `revokit serve` from source and resolves with its URL once it logs `listening`. */
function startServer(configPath: string, port: number, env: Record<string, string>): Promise<string> {
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
        String(port),
      ],
      { env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    server = child
    let output = ''
    const timer = setTimeout(
      () => reject(new DemoFailure(`revokit serve did not start:\n${output}`)),
      30_000 * WAIT_SCALE,
    )
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
  for (const line of JSON.stringify(hideSecrets(answer.body), null, 2).split('\n')) note(`  ${line}`)
}

/** Credential fields that hold tokens. */
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token'] as const
const tokensOf = (val: Record<string, unknown> | undefined) => TOKEN_FIELDS.map((field) => val?.[field])
/** Query parameters of an authorization URL or a redirect that must not be shown. */
const SECRET_PARAMS = new Set(['code', 'state', 'code_challenge', 'nonce'])

/** A wire body as shown: every secret the demo knows replaced by `********`, like revokit's masked GET. */
function hideSecrets(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && secrets.includes(value)) return '********'
  if (key === 'redirect_url' && typeof value === 'string') return maskUrl(new URL(value))
  if (Array.isArray(value)) return value.map((item) => hideSecrets(item))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v, k)]))
  }
  return value
}

/** A URL with the values of its secret parameters replaced by `********`. */
function maskUrl(url: URL): string {
  const shown = new URL(url)
  for (const name of [...shown.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name)) shown.searchParams.set(name, '********')
  }
  return decodeURIComponent(shown.toString())
}

/** `a, b and c`: the names of a URL's query parameters. */
function paramNames(url: URL, separator?: string): string {
  const names = [...new Set(url.searchParams.keys())]
  if (separator) return names.map((n) => `${n}=…`).join(separator)
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('')
}

/** How many refresh grants the authorization server has answered with tokens. */
function refreshGrants(server: AuthorizationServer): number {
  return server.hits.filter((h) => h.grantType === 'refresh_token').length
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A free loopback port, for a server whose config must name its own URL before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** The platform's own page, where revokit's callback sends the user once connected. */
interface AppPage {
  readonly url: string
  readonly received: URLSearchParams[]
  readonly server: Server
}

async function startAppPage(): Promise<AppPage> {
  const received: URLSearchParams[] = []
  const server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams)
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end('<!doctype html><title>Connected</title><p>Your account is connected.</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/connected`, received, server }
}

async function cleanUp() {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve))
    server.kill('SIGTERM') // graceful: revokit finishes requests in flight and closes the store
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
    if (server.exitCode === null) server.kill('SIGKILL')
  }
  await as?.close()
  if (app) {
    const { server: page } = app
    page.closeAllConnections()
    await new Promise((resolve) => page.close(resolve))
  }
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
