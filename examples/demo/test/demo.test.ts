import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { scaled } from '@revokit/presets/time'
import { expect, it } from 'vitest'

const run = promisify(execFile)

/** True when something accepts connections at `url`. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

it(
  'pnpm demo connects, refreshes and revokes offline, proves the tokens dead, prints no secret, and cleans up',
  async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@revokit/source', '--import', '@revokit/presets/register-source', 'src/demo.ts'],
      {
        cwd,
        timeout: scaled(120_000),
        // The demo's own waits are a user's patience; on a loaded machine they grow like test timeouts.
        env: { ...process.env, NO_COLOR: '1', REVOKIT_DEMO_WAIT_SCALE: String(scaled(1000) / 1000) },
      },
    )
    // The demo checks every expectation itself and exits non-zero otherwise (execFile would throw).
    expect(stdout).toContain(
      'Done: connected through the consent pages, refreshed, revoked, imported accounts revoked too, and every token confirmed dead by the provider.',
    )
    // The connect lifecycle, in order.
    const lifecycle = [
      /POST \/api\/v3\/connected_accounts\/link → 201/,
      /"status": "INITIATED"/,
      /login page: signed in as dana; consent page: Continue/,
      /GET \/api\/v3\/toolkits\/auth\/callback\?code=…&state=…&iss=… → 303/,
      /location: http:\/\/127\.0\.0\.1:\d+\/connected\?status=success&connected_account_id=ca_/,
      /→ ACTIVE/,
      /credentials → 200/,
      /access token \(\d+ characters\): introspection says active, sub "dana"/,
      /later: introspection says \{"active":false\}/,
      /a new access token \(\d+ characters\), by one refresh grant: introspection says active/,
      /the refresh token rotated/,
      /"status": "REVOKED"/,
      /dana's access token: introspection says \{"active":false\}/,
      /dana's refresh token: introspection says \{"active":false\}/,
      /credentials → 409 connected_account_not_active/,
    ]
    let from = 0
    for (const step of lifecycle) {
      const at = stdout.slice(from).search(step)
      expect(at, `${step} after the previous step`).toBeGreaterThanOrEqual(0)
      from += at
    }
    expect(stdout).toMatch(/POST \/api\/v3\.1\/connected_accounts\/ca_\S+\/revoke → 200/)
    expect(stdout).toContain('alice\'s access token: introspection says {"active":false}')
    expect(stdout).toContain('alice\'s refresh token: introspection says {"active":false}')
    expect(stdout).toMatch(/→ 409[\s\S]*"slug": "connected_account_not_revokable"/)
    expect(stdout).toMatch(/→ 400[\s\S]*"slug": "revoke_not_supported"/)
    expect(stdout).toContain('"access_token":"********"')
    // No token, code or state is ever printed. The demo checks every value it handled itself (and
    // says so); from outside: no credential field shows a value (`subjects` shows outcomes such as
    // "revoked"), no URL shows a code or a state,
    // and nothing looks like one (tokens, codes and state secrets are 43 base64url characters,
    // ID tokens far longer; ids, slugs and request ids are shorter).
    expect(stdout).toMatch(/none of the \d+ secrets the demo handled .* was printed, not even in part/)
    expect(stdout).not.toMatch(/"(?:access_token|refresh_token|id_token)":\s*"[^"*]{20,}"/)
    expect(stdout).not.toMatch(/[?&](?:code|state|code_challenge)=(?!\*{8}|…)/)
    expect(stdout).not.toMatch(/[A-Za-z0-9_-]{40,}/)

    // Every server it started is gone: the authorization server, revokit, the app's page.
    const urls = [
      ...stdout.matchAll(/(?:issuer|listening on|the app's page)\s+(http:\/\/127\.0\.0\.1:\d+)/g),
    ].map((m) => m[1] as string)
    expect(urls).toHaveLength(3)
    for (const url of urls) expect(await listening(url), `${url} still listening`).toBe(false)
  },
  scaled(150_000),
)
