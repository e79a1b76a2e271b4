import type { TokenGrant } from '@revokit/core'
import type { RunOptions } from '../run'

/** The cases of the connector contract, by the name used to skip one. */
export const CONNECTOR_CASES = [
  'cassettes',
  'authorization-url',
  'exchange',
  'refresh-rotation',
  'refresh-keeps',
  'engine-refresh',
  'provider-errors',
  'server-error',
  'rate-limited',
  'network-error',
  'no-secrets',
] as const

/** A case of the connector contract. */
export type ConnectorCase = (typeof CONNECTOR_CASES)[number]

/**
 * A success answer and the credentials it must be stored as. `{{name}}` placeholders in the
 * credentials are filled with the run's values (`{{new_access_token}}`…); `expires_at` is
 * computed by core from `expires_in` at the kit's fixed clock, {@link CONNECTOR_KIT_NOW}.
 */
export interface TokenCassette {
  readonly cassette: string
  readonly credentials: Readonly<Record<string, unknown>>
}

/** An answer the connector must read as an error, and how. */
export interface ErrorCassette {
  readonly cassette: string
  readonly grant: TokenGrant
  /** The error code the result must carry (the provider's own, e.g. `bad_verification_code`). */
  readonly error: string
  /** The grant (or code) is dead: a refresh moves the account to EXPIRED. */
  readonly dead: boolean
  readonly retryable: boolean
}

/** What one token request must look like on the wire. */
export interface TokenRequestExpectation {
  /** Absolute URL of the token endpoint. */
  readonly url: string
  /**
   * Headers that must be sent with exactly these values (names case-insensitive). An
   * `authorization` header not listed must be absent.
   */
  readonly headers?: Readonly<Record<string, string>>
  /** The form fields, exactly (order does not matter). */
  readonly form: Readonly<Record<string, string>>
}

/** Inputs to {@link ConnectorContractOptions.tokenRequest}. */
export interface TokenRequestInput {
  readonly grant: TokenGrant
  /** The run's values: app vars and secrets, `code`, `code_verifier`, `refresh_token`, `redirect_uri`. */
  readonly vars: Readonly<Record<string, string>>
}

/** Options of {@link describeConnector}. */
export interface ConnectorContractOptions extends RunOptions {
  /** Added to the suite title. */
  name?: string
  /**
   * Extra canary names a provider's answers carry (Slack's `user_access_token`), usable as
   * `{{name}}` in cassettes and expected credentials, and searched for in every error text.
   */
  tokens?: readonly string[]
  /** The redirect URI the code was issued for. @default 'https://app.example.test/callback' */
  redirectUri?: string
  /** The documented authorization request. */
  authorization: {
    /** The authorization endpoint, without query. */
    readonly url: string
    /** Every query parameter besides `response_type`, `client_id`, `redirect_uri`, `state` and the PKCE pair: `scope`, extras. */
    readonly params: Readonly<Record<string, string>>
    /** The provider takes a PKCE S256 challenge. */
    readonly pkce: boolean
  }
  /** The documented token request of each grant. */
  tokenRequest(input: TokenRequestInput): TokenRequestExpectation
  cassettes: {
    /** Metadata the connector discovers its endpoints from, mounted before each run's first request. */
    readonly discovery?: string
    /** The code exchange answering tokens. */
    readonly exchange: TokenCassette
    /**
     * A refresh that rotates the refresh token (its credentials hold `{{new_refresh_token}}`).
     * At least one of this and `refreshKeeps`: a provider that never rotates has none.
     */
    readonly refresh?: TokenCassette
    /** A refresh answering no refresh token: the caller keeps the one it holds. */
    readonly refreshKeeps?: TokenCassette
    /** The provider's error answers, each with the reading it must get. */
    readonly errors: readonly ErrorCassette[]
    /** 5xx answers: retryable, never dead. */
    readonly serverError: readonly string[]
    /** 429 (or the provider's rate-limit answer): retryable, never dead, with `Retry-After`. */
    readonly rateLimited: readonly string[]
  }
  /** Cases this connector cannot run, each with the reason. */
  skip?: Readonly<Partial<Record<ConnectorCase, string>>>
}

/** The clock the kit's token requests run on, so `expires_at` is predictable: 2026-01-01T00:00:00Z. */
export const CONNECTOR_KIT_NOW = Date.parse('2026-01-01T00:00:00Z')

/** Throws a TypeError listing every problem of the options, before any suite registers. */
export function validateConnectorOptions(options: ConnectorContractOptions): void {
  const problems: string[] = []
  for (const [name, reason] of Object.entries(options.skip ?? {})) {
    if (!(CONNECTOR_CASES as readonly string[]).includes(name))
      problems.push(`skip.${name}: not a connector case (cases: ${CONNECTOR_CASES.join(', ')})`)
    if (typeof reason !== 'string' || reason.trim().length < 10)
      problems.push(`skip.${name}: give the reason in a sentence`)
  }
  const c = options.cassettes
  if (!c?.exchange?.cassette) problems.push('cassettes.exchange is required')
  if (!c?.refresh?.cassette && !c?.refreshKeeps?.cassette)
    problems.push('cassettes.refresh or cassettes.refreshKeeps is required')
  if (!c?.errors?.some((e) => e.grant === 'refresh_token' && e.dead))
    problems.push("cassettes.errors must include the provider's dead-grant answer to a refresh")
  if (!c?.serverError?.length && !options.skip?.['server-error'])
    problems.push('cassettes.serverError is required')
  if (!c?.rateLimited?.length && !options.skip?.['rate-limited'])
    problems.push('cassettes.rateLimited is required')
  if (typeof options.create !== 'function') problems.push('create must be a function building the adapter')
  if (typeof options.tokenRequest !== 'function') problems.push('tokenRequest must be a function')
  if (problems.length)
    throw new TypeError(`describeConnector(${options.provider}):\n  ${problems.join('\n  ')}`)
}
