import { isLoopbackHost } from '@revokit/core'

/** Where the provider sends the user's browser back: the route that finishes an authorization. */
export const CALLBACK_PATH = '/api/v3/toolkits/auth/callback'

/** Where the server listens, as far as the redirect URI cares. */
export interface ListenAddress {
  /** @default '127.0.0.1' */
  readonly host?: string
  readonly port: number
}

/**
 * The OAuth redirect URI the engine sends in authorization requests:
 * `{publicUrl}/api/v3/toolkits/auth/callback`. Without a `publicUrl`, it is
 * `http://127.0.0.1:{port}/…` — but only when the server listens on a loopback address and a
 * fixed port, so the browser that consents on this machine reaches it (RFC 8252 loopback
 * redirect). Listening on any other address (behind a proxy, in a container) or on port 0,
 * the external origin cannot be guessed: there is then no redirect URI, and connecting an
 * account answers 400 `redirect_uri_required` until `publicUrl` is set.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-3.1.2
 */
export function redirectUriFor(publicUrl: string | undefined, listen: ListenAddress): string | undefined {
  if (publicUrl !== undefined) return `${publicUrl.replace(/\/+$/, '')}${CALLBACK_PATH}`
  const host = listen.host ?? '127.0.0.1'
  if (listen.port === 0 || !isLoopbackHost(host)) return undefined
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `http://${hostPart}:${listen.port}${CALLBACK_PATH}`
}
