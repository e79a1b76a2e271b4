// Debian's Chromium, driven by playwright-core. Never a browser build of playwright's own: the
// machine's package (`apt-get install chromium`, which .ci/run does when it is missing).
import { existsSync } from 'node:fs'
import { scaled } from '@revokit/presets/time'
import { type Browser, type BrowserContext, chromium } from 'playwright-core'

/** Where Debian's `chromium` package puts the browser; `REVOKIT_CHROMIUM` points elsewhere. */
export const chromiumPath = process.env.REVOKIT_CHROMIUM ?? '/usr/bin/chromium'

/** On CI a missing browser fails the run: a skipped browser test there would hide a broken install. */
export const onCi = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase())

/** A launched browser, or why there is none. */
export type Launched = { browser: Browser; reason?: undefined } | { browser?: undefined; reason: string }

/**
 * Launches headless Chromium from {@link chromiumPath}. Off CI, a browser that is missing or
 * cannot start gives a reason to skip; on CI it throws.
 */
export async function launchChromium(): Promise<Launched> {
  let reason: string
  if (!existsSync(chromiumPath)) {
    reason = `no Chromium at ${chromiumPath} (install Debian's: apt-get install -y chromium; or set REVOKIT_CHROMIUM)`
  } else {
    try {
      // Root (CI, this machine) cannot use Chromium's sandbox; the pages are our own loopback servers.
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--no-sandbox'],
      })
      return { browser }
    } catch (error) {
      reason = `Chromium at ${chromiumPath} did not start: ${(error as Error).message.split('\n')[0]}`
    }
  }
  if (onCi) throw new Error(`browser e2e on CI: ${reason}`)
  return { reason }
}

/**
 * A fresh browser profile that reaches loopback only: anything else (oidc-provider's pages
 * import a web font) is aborted, so the test stays offline and never waits on a network.
 */
export async function loopbackContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext()
  // A bound on a hang, never a speed budget: it grows with the machine's load, like every test's.
  context.setDefaultTimeout(scaled(30_000))
  context.setDefaultNavigationTimeout(scaled(30_000))
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url())
    return hostname === '127.0.0.1' || hostname === 'localhost' ? route.continue() : route.abort()
  })
  return context
}
