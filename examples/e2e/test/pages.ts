import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'

/** A loopback page the browser is sent to (a redirect URI, an app's callback page): records each query. */
export interface LandingPage {
  /** `http://127.0.0.1:<port>/landing` */
  readonly url: string
  readonly received: URLSearchParams[]
  close(): Promise<void>
}

/** Serves {@link LandingPage} on a free loopback port. */
export async function startLandingPage(): Promise<LandingPage> {
  const received: URLSearchParams[] = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== '/landing') {
      res.statusCode = 404
      res.end()
      return
    }
    received.push(url.searchParams)
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end('<!doctype html><title>Connected</title><h1 id="landed">Back at the app</h1>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/landing`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * What a person does on oidc-provider's dev pages: types a login and a password and signs in,
 * then presses Continue on the consent page. Resolves once the browser has left them.
 */
export async function signInAndConsent(page: Page, login: string): Promise<void> {
  await page.getByPlaceholder('Enter any login').fill(login)
  await page.getByPlaceholder('and password').fill('correct horse battery staple')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()
}
