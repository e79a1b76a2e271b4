import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
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

it('pnpm demo runs the whole job offline, proves the tokens dead, and cleans up after itself', async () => {
  const cwd = fileURLToPath(new URL('..', import.meta.url))
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@revokit/source', '--import', '@revokit/presets/register-source', 'src/demo.ts'],
    { cwd, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
  )
  // The demo checks every expectation itself and exits non-zero otherwise (execFile would throw).
  expect(stdout).toContain(
    'Done: real tokens imported, revoked through the HTTP API, and confirmed dead by the provider.',
  )
  expect(stdout).toMatch(/POST \/api\/v3\.1\/connected_accounts\/ca_\S+\/revoke → 200/)
  expect(stdout).toContain('alice\'s access token: introspection says {"active":false}')
  expect(stdout).toContain('alice\'s refresh token: introspection says {"active":false}')
  expect(stdout).toMatch(/→ 409[\s\S]*"slug": "connected_account_not_revokable"/)
  expect(stdout).toMatch(/→ 400[\s\S]*"slug": "revoke_not_supported"/)
  expect(stdout).toContain('"access_token":"********"')
  // No token value is ever printed: the minted tokens are long opaque strings, the demo shows none.
  expect(stdout).not.toMatch(/"access_token":\s*"(?!\*)[^"]{20,}"/)

  // Both servers it started are gone.
  const urls = [...stdout.matchAll(/(?:issuer|listening on)\s+(http:\/\/127\.0\.0\.1:\d+)/g)].map(
    (m) => m[1] as string,
  )
  expect(urls).toHaveLength(2)
  for (const url of urls) expect(await listening(url), `${url} still listening`).toBe(false)
}, 150_000)
