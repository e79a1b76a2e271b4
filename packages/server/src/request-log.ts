import { isAccountId, type Logger, type Redactor, silentLogger } from '@revokit/core'

// One log line per request: what was asked, what was answered, how long it took, and never a
// value a caller may have put where it does not belong.

/** What the handler learned about a request, for its log line. */
export interface RequestLogState {
  requestId: string
  projectId?: string
  /** The slug of the error answered. */
  slug?: string
  /** The error behind a 5xx, logged with its cause. */
  failure?: unknown
  /** The route answers a browser (the authorization callback): errors may be a page. */
  browser?: boolean
}

const PLAIN_SEGMENT = /^[A-Za-z0-9._~-]{1,24}$/

/**
 * The path as logs and 404 messages show it. Someone will, one day, curl a token into a path:
 * account ids and short plain segments are kept, anything long or odd becomes `*`.
 */
export function loggablePath(pathname: string, redactor: Redactor): string {
  const shown = pathname
    .split('/')
    .map((segment) => {
      if (segment === '') return segment
      const plain = isAccountId(segment) || PLAIN_SEGMENT.test(segment)
      return plain && redactor(segment) === segment ? segment : '*'
    })
    .join('/')
  return shown.length > 256 ? `${shown.slice(0, 256)}…` : shown
}

/** Writes the request's line: `request` (info), or `request failed` with the error for a 5xx. */
export function log(
  logger: Logger,
  redactor: Redactor,
  request: Request,
  response: Response,
  state: RequestLogState,
  ms: number,
) {
  if (logger === silentLogger) return
  let path: string
  try {
    // The path only: query values can hold anything, including a caller's secrets.
    path = loggablePath(new URL(request.url).pathname, redactor)
  } catch {
    path = '?'
  }
  const fields: Record<string, unknown> = {
    requestId: state.requestId,
    method: request.method,
    path,
    status: response.status,
    ms: Math.round(ms * 10) / 10,
    ...(state.projectId !== undefined ? { projectId: state.projectId } : {}),
    ...(state.slug !== undefined ? { slug: state.slug } : {}),
  }
  if (response.status >= 500) {
    const error = state.failure
    logger.error(
      {
        ...fields,
        ...(error !== undefined
          ? { error, ...(error instanceof Error && error.cause ? { cause: error.cause } : {}) }
          : {}),
      },
      'request failed',
    )
  } else {
    logger.info(fields, 'request')
  }
}
