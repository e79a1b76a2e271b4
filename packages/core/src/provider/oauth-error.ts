/** An OAuth 2.0 error response, as RFC 6749 §5.2 (and RFC 7009 §2.2.1) defines it. */
export interface OAuthError {
  /** The `error` code, e.g. `invalid_token`, `invalid_client`, `unsupported_token_type`. */
  readonly error: string
  /**
   * `error_description`, whole: neither truncated nor redacted. It is provider text and may echo
   * the token or a secret, so it must pass through a redactor before it is shown; only the code
   * that finally redacts may shorten it (afterwards), or a cut could split a secret so that the
   * redactor no longer recognises it and leaves its prefix in plain text.
   */
  readonly description?: string
  /** `error_uri`: a page about the error, as the server sent it. */
  readonly uri?: string
}

// RFC 6749 §5.2 and Appendix A: `error` and `error_description` are NQSCHAR, printable ASCII
// without `"` and `\`; `error_uri` is a URI-reference, printable ASCII without space, `"` and `\`.
const NQSCHAR = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/
const URI_CHARS = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const MAX_CODE_LENGTH = 64

/**
 * Reads the OAuth error of a response body (`res.json()`), or `undefined` when the body is not
 * one: not a JSON object (an HTML error page, an empty or non-JSON body, an array), or without a
 * well-formed `error` code. The rules:
 *
 * - `error` must be a string of 1–64 RFC 6749 NQSCHAR characters (printable ASCII except `"` and
 *   `\`); codes are identifiers, and anything else is not a server speaking OAuth.
 * - `error_description` is kept, whole, when it is a string of NQSCHAR characters; one with other
 *   characters (control characters, non-ASCII) is dropped rather than altered, because changing
 *   characters could break the redaction of a secret inside it. The code still counts.
 * - `error_uri` is kept when it is a string of URI characters, else dropped.
 *
 * Nothing is truncated: see {@link OAuthError.description}.
 *
 * @example
 * ```ts
 * const oauth = parseOAuthError(res.json())
 * if (res.status === 400 && oauth?.error === 'invalid_token') return alreadyRevoked()
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2.1
 */
export function parseOAuthError(body: unknown): OAuthError | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined
  const { error, error_description: description, error_uri: uri } = body as Record<string, unknown>
  if (typeof error !== 'string' || error.length > MAX_CODE_LENGTH || !NQSCHAR.test(error)) return undefined
  return {
    error,
    ...(typeof description === 'string' && NQSCHAR.test(description) ? { description } : {}),
    ...(typeof uri === 'string' && URI_CHARS.test(uri) ? { uri } : {}),
  }
}
