// The browser half on its own: Chromium signs in and consents on the example authorization
// server's pages for a hand-built authorization request (PKCE S256) and lands on the client's
// redirect URI with a code that the token endpoint exchanges for live tokens.
import { createHash, randomBytes } from 'node:crypto'
import { type AuthorizationServer, startAuthorizationServer } from '@revokit/example-authorization-server'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchChromium, loopbackContext } from './browser'
import { type LandingPage, signInAndConsent, startLandingPage } from './pages'

let as: AuthorizationServer
let landing: LandingPage
let browser: Browser | undefined
let skipReason: string | undefined

beforeAll(async () => {
  const launched = await launchChromium()
  browser = launched.browser
  skipReason = launched.reason
  if (skipReason) console.warn(`skipping the browser e2e tests: ${skipReason}`)
  landing = await startLandingPage()
  as = await startAuthorizationServer({ redirectUris: [landing.url] })
})
afterAll(async () => {
  await browser?.close()
  await as?.close()
  await landing?.close()
})

it('Chromium signs in and consents at oidc-provider and lands on the redirect URI with a working code', async (ctx) => {
  if (!browser) return ctx.skip(skipReason)
  const verifier = randomBytes(32).toString('base64url')
  const state = randomBytes(16).toString('base64url')
  const authorize = new URL(as.authorizationEndpoint)
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: as.clients.post.clientId,
    redirect_uri: landing.url,
    scope: 'openid',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()

  const context = await loopbackContext(browser)
  try {
    const page = await context.newPage()
    await page.goto(authorize.toString())
    await signInAndConsent(page, 'alice')
    await page.waitForURL((url) => url.toString().startsWith(landing.url))
    expect(await page.locator('#landed').textContent()).toBe('Back at the app')
  } finally {
    await context.close()
  }

  const query = landing.received.at(-1)
  expect(query?.get('state')).toBe(state)
  const code = query?.get('code')
  expect(code).toBeTruthy()
  const res = await fetch(as.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: landing.url,
      code_verifier: verifier,
      client_id: as.clients.post.clientId,
      client_secret: as.clients.post.clientSecret,
    }),
  })
  expect(res.status).toBe(200)
  const tokens = (await res.json()) as { access_token: string; refresh_token: string }
  expect(await as.introspect(tokens.access_token, { client: as.clients.post })).toMatchObject({
    active: true,
    sub: 'alice',
  })
  expect((await as.introspect(tokens.refresh_token, { client: as.clients.post })).active).toBe(true)
})
