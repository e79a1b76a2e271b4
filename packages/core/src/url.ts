const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/**
 * True when `hostname` is a loopback address (127.0.0.0/8, ::1) or `localhost` itself. Other
 * `*.localhost` names are not accepted: only some resolvers map them to loopback, and a name
 * that resolves elsewhere would receive credentials over plain http.
 * @see https://datatracker.ietf.org/doc/html/rfc6761#section-6.3
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}

/**
 * Checks an endpoint or base URL an adapter will send credentials to: it must be absolute,
 * `https:` unless the host is loopback (local test servers), and carry no user info or fragment.
 * Returns the problem as a sentence naming `field`, or `undefined` when the URL is fine.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2 (the endpoint MUST be HTTPS)
 */
export function endpointProblem(value: string, field: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${field} must be an absolute URL such as https://auth.example.com/revoke`
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${field} must use https:// (got ${url.protocol})`
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `${field} must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1`
  }
  if (url.username || url.password) return `${field} must not contain credentials; pass them as options`
  if (url.hash) return `${field} must not contain a #fragment`
  return undefined
}

/**
 * {@link endpointProblem} as a zod `superRefine` callback, typed structurally so it works with an
 * adapter's own copy of zod: `z.string().superRefine(checkEndpoint('baseUrl'))`.
 */
export function checkEndpoint(field: string) {
  return (value: string, ctx: { addIssue(issue: { code: 'custom'; message: string }): void }): void => {
    const problem = endpointProblem(value, field)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  }
}
