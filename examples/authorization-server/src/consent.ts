// The user's side of an authorization code grant, without a browser: an HTTP client with a tiny
// cookie jar walks this server's (oidc-provider's devInteractions) login and consent pages the
// way a person would, and hands back where the server finally sends the browser (the client's
// redirect URI with `code` and `state`, or `error`). The demo drives revokit's connect flow
// with it; the browser e2e test does the same with a real Chromium.

/** What the user does on the consent page. */
export type ConsentDecision = 'allow' | 'deny'

/** Options of {@link completeConsent}. */
export interface ConsentOptions {
  /** Who signs in on the login page (the dev pages take any login as the account id). @default 'demo-user' */
  login?: string
  /** Typed into the password field; the dev pages accept any. @default 'any password' */
  password?: string
  /**
   * `allow` submits the consent page; `deny` follows its Cancel link, and the server redirects
   * with `error=access_denied` (RFC 6749 §4.1.2.1). @default 'allow'
   */
  decision?: ConsentDecision
  /** Sends every request, redirects never followed by it. @default globalThis.fetch (undici) */
  fetch?: typeof fetch
  /** A bound on requests, so a misconfigured server cannot loop forever. @default 20 */
  maxRequests?: number
  signal?: AbortSignal
}

/** What {@link completeConsent} saw. */
export interface ConsentResult {
  /**
   * Where the authorization server sent the browser at the end: the first redirect that leaves
   * its origin, not followed. It holds the code and state: hand it on, never print it.
   */
  readonly redirectTo: URL
  /** The pages the user went through, in order. */
  readonly pages: readonly ('login' | 'consent')[]
}

/** A page or answer {@link completeConsent} did not expect; its message never holds a query string. */
export class ConsentError extends Error {
  override readonly name = 'ConsentError'
}

interface StoredCookie {
  readonly name: string
  readonly value: string
  readonly path: string
  readonly expiresAt: number | undefined
}

/**
 * The cookies one origin set, sent back by path prefix (RFC 6265 §5.4). Scoped by origin, port
 * included — stricter than a browser, so nothing one loopback server sets reaches another.
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie[]>()

  /** Stores every `Set-Cookie` of `response`, an answer to a request for `url`. */
  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = defaultPath(url)
      let expiresAt: number | undefined
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=')
        const raw = rest.join('=').trim()
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (raw.startsWith('/')) path = raw
            break
          case 'max-age':
            expiresAt = Date.now() + Number(raw) * 1000
            break
          case 'expires':
            expiresAt ??= Date.parse(raw)
            break
        }
      }
      const list = (this.#cookies.get(url.origin) ?? []).filter((c) => c.name !== name || c.path !== path)
      if (expiresAt === undefined || expiresAt > Date.now()) list.push({ name, value, path, expiresAt })
      this.#cookies.set(url.origin, list)
    }
  }

  /** The `Cookie` header for a request to `url`, or undefined when nothing applies. */
  header(url: URL): string | undefined {
    const now = Date.now()
    const matching = (this.#cookies.get(url.origin) ?? [])
      .filter((c) => (c.expiresAt === undefined || c.expiresAt > now) && pathMatches(url.pathname, c.path))
      // RFC 6265 §5.4: longer paths first.
      .sort((a, b) => b.path.length - a.path.length)
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }
}

function defaultPath(url: URL): string {
  const slash = url.pathname.lastIndexOf('/')
  return slash <= 0 ? '/' : url.pathname.slice(0, slash)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1))
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole
    }
    return entities[entity.toLowerCase()] ?? whole
  })
}

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {}
  for (const match of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    found[(match[1] ?? '').toLowerCase()] = decodeEntities(match[3] ?? match[4] ?? '')
  }
  return found
}

interface Form {
  readonly action: string
  readonly fields: ReadonlyMap<string, { type: string; value: string }>
}

/** The page's POST form and its inputs: enough HTML reading for oidc-provider's dev pages. */
function readForm(html: string): Form | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html)
  if (!form) return undefined
  const formAttributes = attributes(form[1] ?? '')
  if ((formAttributes.method ?? 'get').toLowerCase() !== 'post' || !formAttributes.action) return undefined
  const fields = new Map<string, { type: string; value: string }>()
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const a = attributes(input[1] ?? '')
    if (a.name) fields.set(a.name, { type: (a.type ?? 'text').toLowerCase(), value: a.value ?? '' })
  }
  return { action: formAttributes.action, fields }
}

/** The href of the page's link whose text is `text` (the dev pages' "[ Cancel ]"). */
function linkTo(html: string, text: string): string | undefined {
  for (const link of html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)) {
    if ((link[2] ?? '').includes(text)) return attributes(link[1] ?? '').href
  }
  return undefined
}

/** oidc-provider's error page lists `error` and `error_description`; nothing else is read from it. */
function errorPage(html: string): string {
  const line = (key: string) => new RegExp(`<strong>${key}</strong>:\\s*([^<]*)`).exec(html)?.[1]?.trim()
  const error = line('error')
  const description = line('error_description')
  return error ? `: ${error}${description ? ` (${decodeEntities(description)})` : ''}` : ''
}

/**
 * Plays the user on the authorization server's pages: opens `authorizationUrl`, signs in on the
 * login page, allows (or denies) on the consent page, and stops at the first redirect that
 * leaves the server's origin — the client's redirect URI, with `code` and `state` (or `error`).
 * Redirects are followed by hand and cookies kept in a {@link CookieJar}, as a browser would.
 *
 * @example
 * ```ts
 * const { redirectUrl } = await engine.initiate({ userId: 'alice', toolkit: 'acme' })
 * const { redirectTo } = await completeConsent(redirectUrl, { login: 'alice' })
 * await fetch(redirectTo, { redirect: 'manual' }) // the browser's next hop: revokit's callback
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1 (authorization code grant)
 * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresdevinteractions
 */
export async function completeConsent(
  authorizationUrl: string | URL,
  options: ConsentOptions = {},
): Promise<ConsentResult> {
  const send = options.fetch ?? globalThis.fetch
  const jar = new CookieJar()
  const start = new URL(authorizationUrl)
  const maxRequests = options.maxRequests ?? 20
  const pages: ('login' | 'consent')[] = []
  const decision = options.decision ?? 'allow'

  let next: { url: URL; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: start, method: 'GET' }
  for (let count = 0; count < maxRequests; count++) {
    const { url } = next
    const cookie = jar.header(url)
    const response = await send(url, {
      method: next.method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(next.body ? { body: next.body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    jar.store(url, response)
    // Named by path only: the query of an authorization request (or a redirect) holds its state.
    const where = `${next.method} ${url.pathname}`

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      const location = response.headers.get('location')
      if (!location) throw new ConsentError(`${where} answered ${response.status} without a Location`)
      const target = new URL(location, url)
      if (target.origin !== start.origin) return { redirectTo: target, pages }
      next = { url: target, method: 'GET' }
      continue
    }

    const html = await response.text()
    if (response.status !== 200) {
      throw new ConsentError(`${where} answered HTTP ${response.status}${errorPage(html)}`)
    }
    const form = readForm(html)
    const prompt = form?.fields.get('prompt')?.value
    if (!form || (prompt !== 'login' && prompt !== 'consent')) {
      throw new ConsentError(`${where} answered a page with neither a login nor a consent form`)
    }
    pages.push(prompt)
    if (prompt === 'consent' && decision === 'deny') {
      const cancel = linkTo(html, 'Cancel')
      if (!cancel) throw new ConsentError(`${where}: the consent page has no Cancel link`)
      next = { url: new URL(cancel, url), method: 'GET' }
      continue
    }
    const body = new URLSearchParams()
    for (const [name, field] of form.fields) {
      if (field.type === 'password') body.set(name, options.password ?? 'any password')
      else if (name === 'login') body.set(name, options.login ?? 'demo-user')
      else body.set(name, field.value)
    }
    next = { url: new URL(form.action, url), method: 'POST', body }
  }
  throw new ConsentError(`no redirect away from ${start.origin} after ${maxRequests} requests`)
}
