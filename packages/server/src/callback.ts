import type { RevokitError } from '@revokit/core'

// What the browser sees when a provider sends it back to the callback route: a 303 to the
// app's callback_url, or a small page of our own. Neither ever carries the code, the state or
// a token: the redirect's query is built from scratch, and the page from fixed text and the
// engine's (redacted) error.

/**
 * Headers of every callback answer, page, redirect or error: never cached (it finished a
 * one-time authorization), and the URL — which held the code and the state — is not sent on
 * as a Referer to wherever the user goes next.
 * @see https://www.w3.org/TR/referrer-policy/#referrer-policy-no-referrer
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-10.12 (CSRF, the state)
 */
export const CALLBACK_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
}

const PAGE_HEADERS = {
  ...CALLBACK_HEADERS,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
}

// RFC 6749 error codes are ASCII without quotes or backslashes; we pass on only plain words.
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * The provider's `error` from the redirect's query, when it is a plain OAuth error code (such
 * as `access_denied`); undefined otherwise.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2.1
 */
export function providerErrorCode(query: URLSearchParams): string | undefined {
  const error = query.get('error')
  return error !== null && ERROR_CODE.test(error) ? error : undefined
}

/** A 303 to the app's `callbackUrl`, with `params` set on its query (existing ones are kept). */
export function redirectTo(callbackUrl: string, params: Record<string, string>): Response {
  const url = new URL(callbackUrl)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return new Response(null, { status: 303, headers: { ...CALLBACK_HEADERS, location: url.href } })
}

/**
 * Where the user goes after a failed authorization, when the engine's error says which account
 * it was for: the engine attaches `connectedAccountId` and `callbackUrl` to an error raised
 * after the state was verified (a provider error, a failed code exchange). An error about the
 * state itself (unknown, used, expired) names no account.
 */
export function failureTarget(error: RevokitError): { accountId?: string; callbackUrl: string } | undefined {
  const carried = error as RevokitError & { callbackUrl?: unknown; connectedAccountId?: unknown }
  if (typeof carried.callbackUrl !== 'string' || carried.callbackUrl === '') return undefined
  try {
    new URL(carried.callbackUrl)
  } catch {
    return undefined
  }
  return {
    callbackUrl: carried.callbackUrl,
    ...(typeof carried.connectedAccountId === 'string' ? { accountId: carried.connectedAccountId } : {}),
  }
}

/** True when the client (a browser) takes HTML: then errors of the callback route are a page. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept') ?? ''
  return /\btext\/html\b/i.test(accept)
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** A small self-contained HTML page (no script, no external resources). */
export function page(status: number, title: string, lines: readonly string[], requestId?: string): Response {
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}small{color:#666}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
${requestId ? `<p><small>Request id: ${escapeHtml(requestId)}</small></p>` : ''}
</body>
</html>
`
  return new Response(body, { status, headers: PAGE_HEADERS })
}

/**
 * The page of a callback that failed and has no callback_url to go to: the error's message and
 * fix, passed through `redact` (the configured secrets) like any error body.
 */
export function errorPage(
  error: RevokitError,
  requestId: string,
  redact: (text: string) => string,
): Response {
  const title =
    error.slug === 'invalid_state'
      ? 'This link is no longer valid'
      : error.status >= 500
        ? 'The connection could not be finished'
        : 'The connection failed'
  return page(error.status, title, [redact(error.message), redact(error.suggestedFix)], requestId)
}
