// revokit's connect flow end to end in a real browser: the revokit server (memory store) and the
// example authorization server (oidc-provider) on loopback; POST /api/v3/connected_accounts/link;
// headless Chromium opens redirect_url, signs in and consents on the provider's pages, follows
// the provider's redirect to revokit's callback and revokit's 303 to the app's page. The account
// is then ACTIVE and the credentials revokit hands out are live by the provider's introspection.
import { randomBytes } from 'node:crypto'
import { type AuthorizationServer, startAuthorizationServer } from '@revokit/example-authorization-server'
import { openRevokit, parseConfig, type Revokit, type RunningServer, startServer } from '@revokit/server'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, loopbackContext } from './browser'
import { type LandingPage, signInAndConsent, startLandingPage } from './pages'

const apiKey = `rk_e2e_${randomBytes(12).toString('hex')}`

let browser: Browser | undefined
let skipReason: string | undefined
let as: AuthorizationServer
let landing: LandingPage
let running: RunningServer
let revokit: Revokit | undefined
let context: BrowserContext | undefined

beforeAll(async () => {
  const launched = await launchChromium()
  browser = launched.browser
  skipReason = launched.reason
  if (skipReason) console.warn(`skipping the browser e2e tests: ${skipReason}`)

  landing = await startLandingPage()
  // revokit's public URL names its port, and the provider registers the callback under it: so
  // listen first, then start the provider, then build revokit on the config that names both.
  let handler: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 })
  running = await startServer({ handler: (request) => handler(request), port: 0 })
  as = await startAuthorizationServer({ redirectUris: [`${running.url}/api/v3/toolkits/auth/callback`] })
  const config = await parseConfig(
    JSON.stringify({
      publicUrl: running.url,
      store: { kind: 'memory' },
      projects: [{ id: 'default', apiKeys: [{ key: apiKey, credentials: true }] }],
      toolkits: {
        acme: {
          adapter: 'rfc7009',
          issuer: as.issuer,
          clientId: as.clients.basic.clientId,
          clientSecret: as.clients.basic.clientSecret,
          scopes: ['openid', 'offline_access'],
        },
      },
    }),
    { env: {} },
  )
  revokit = await openRevokit(config)
  handler = revokit.handler
})

afterEach(async () => {
  await context?.close()
  context = undefined
})

afterAll(async () => {
  await browser?.close()
  await running?.close()
  await revokit?.close()
  await as?.close()
  await landing?.close()
})

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies, spot-checked by the assertions
  return { status: res.status, text, body: (text ? JSON.parse(text) : null) as any }
}

describe('connecting an account in Chromium', () => {
  it('link → consent in the browser → callback → the app page; ACTIVE with live credentials', async (ctx) => {
    if (!browser) return ctx.skip(skipReason)
    const link = await api('POST', '/api/v3/connected_accounts/link', {
      user_id: 'erin',
      toolkit: 'acme',
      callback_url: landing.url,
    })
    expect(link.status, link.text).toBe(201)
    expect(link.body.status).toBe('INITIATED')
    const id = link.body.connected_account_id as string

    context = await loopbackContext(browser)
    const page = await context.newPage()
    // Every page the browser was shown, for the canary below.
    const seen: string[] = []
    const callbackAnswers: number[] = []
    page.on('response', async (response) => {
      const at = new URL(response.url())
      if (at.origin !== running.url) return
      if (at.pathname === '/api/v3/toolkits/auth/callback') callbackAnswers.push(response.status())
      seen.push(await response.text().catch(() => ''))
    })
    // Every URL the browser was sent to, redirects included.
    const visited: string[] = []
    page.on('request', (request) => {
      if (request.isNavigationRequest()) visited.push(request.url())
    })

    await page.goto(link.body.redirect_url as string)
    await signInAndConsent(page, 'erin')
    await page.waitForURL((url) => url.toString().startsWith(landing.url))
    expect(await page.locator('#landed').textContent()).toBe('Back at the app')

    const landed = landing.received.at(-1)
    expect(landed?.get('status')).toBe('success')
    expect(landed?.get('connected_account_id')).toBe(id)
    // The browser went through revokit's callback, which sent it on with a 303.
    const callback = visited.find((u) => u.startsWith(`${running.url}/api/v3/toolkits/auth/callback`))
    expect(callback, visited.map((u) => new URL(u).pathname).join(' → ')).toBeDefined()
    expect(callbackAnswers).toEqual([303])

    const account = await api('GET', `/api/v3/connected_accounts/${id}`)
    expect(account.body.status).toBe('ACTIVE')
    const credentials = await api('GET', `/api/v3/connected_accounts/${id}/credentials`)
    expect(credentials.status, credentials.text).toBe(200)
    expect(credentials.body.auth_scheme).toBe('OAUTH2')
    const { access_token, refresh_token } = credentials.body.val as Record<string, string>
    expect(await as.introspect(access_token as string)).toMatchObject({
      active: true,
      sub: 'erin',
      client_id: as.clients.basic.clientId,
    })
    expect((await as.introspect(refresh_token as string)).active).toBe(true)

    // Nothing revokit served the browser, nor the app page's URL, holds the code, the state or a token.
    const code = new URL(callback as string).searchParams.get('code') as string
    const state = new URL(callback as string).searchParams.get('state') as string
    const stateSecret = state.slice(state.indexOf('.') + 1)
    const shown = [...seen, page.url(), account.text].join('\n')
    for (const secret of [code, stateSecret, access_token ?? '', refresh_token ?? '']) {
      expect(secret.length).toBeGreaterThan(20)
      expect(shown).not.toContain(secret)
    }

    // And revoking ends it at the provider.
    const revoked = await api('POST', `/api/v3.1/connected_accounts/${id}/revoke`)
    expect(revoked.status, revoked.text).toBe(200)
    expect((await as.introspect(access_token as string)).active).toBe(false)
    expect((await as.introspect(refresh_token as string)).active).toBe(false)
  })

  it('the user cancels on the consent page: back at the app with status=failed, the account not ACTIVE', async (ctx) => {
    if (!browser) return ctx.skip(skipReason)
    const link = await api('POST', '/api/v3/connected_accounts/link', {
      user_id: 'frank',
      toolkit: 'acme',
      callback_url: landing.url,
    })
    expect(link.status, link.text).toBe(201)
    const id = link.body.connected_account_id as string

    context = await loopbackContext(browser)
    const page = await context.newPage()
    await page.goto(link.body.redirect_url as string)
    await page.getByPlaceholder('Enter any login').fill('frank')
    await page.getByPlaceholder('and password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign-in' }).click()
    // The login page has a Cancel link too: wait for the consent page's Continue button first.
    await page.getByRole('button', { name: 'Continue' }).waitFor()
    await page.getByRole('link', { name: '[ Cancel ]' }).click()
    // The browser ends at the app's page, or (were the failure not sent on) at revokit's callback.
    await page.waitForURL(
      (url) => url.toString().startsWith(landing.url) || url.pathname === '/api/v3/toolkits/auth/callback',
    )
    const ended = new URL(page.url())
    expect(
      `${ended.origin}${ended.pathname}`,
      `revokit's callback answered instead of sending the browser on: ${await page.locator('body').textContent()}`,
    ).toBe(landing.url)

    const landed = landing.received.at(-1)
    expect(landed?.get('status')).toBe('failed')
    expect(landed?.get('error')).toBe('access_denied')
    const state = new URL(link.body.redirect_url as string).searchParams.get('state') ?? ''
    expect(state.length).toBeGreaterThan(20)
    expect(page.url()).not.toContain(state.slice(state.indexOf('.') + 1))
    expect((await api('GET', `/api/v3/connected_accounts/${id}`)).body.status).toBe('INITIATED')
    expect((await api('GET', `/api/v3/connected_accounts/${id}/credentials`)).status).toBe(409)
  })
})
