import type { HttpClient, HttpResponse } from './transport'

/**
 * Where an authorization server takes the user's consent and hands out tokens.
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-2
 */
export interface ConnectEndpoints {
  /** The issuer identifier; ID tokens in token answers are checked against it when given. */
  readonly issuer?: string
  /** The authorization endpoint, where the user's browser is sent. */
  readonly authorizationEndpoint: string
  /** The token endpoint: code exchange and refresh grant. */
  readonly tokenEndpoint: string
}

/**
 * How the client authenticates at the token endpoint.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** Which grant a token answer belongs to. */
export type TokenGrant = 'authorization_code' | 'refresh_token'

/**
 * A successful token answer, as the provider gave it (RFC 6749 §5.1 names plus extras). The
 * engine turns `expires_in` into `expires_at` and stores the rest as the account's credentials.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.1
 */
export interface TokenSet {
  readonly access_token: string
  readonly refresh_token?: string
  /** Seconds from now. */
  readonly expires_in?: number
  readonly scope?: string
  readonly token_type?: string
  /** Provider extras (`id_token`, Slack's `team`, GitHub's `refresh_token_expires_in`). */
  readonly [extra: string]: unknown
}

/**
 * What a token endpoint answered: tokens, or an OAuth error. Transport failures (no answer,
 * timeouts) never reach a parser: the engine classifies them itself as retryable.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 */
export type TokenAnswer =
  | { readonly type: 'tokens'; readonly tokens: TokenSet }
  | {
      readonly type: 'error'
      /** The OAuth error code, e.g. `invalid_grant`, or a provider's own (`bad_verification_code`). */
      readonly error: string
      /** The provider's description, for people. The engine redacts it. */
      readonly description?: string
      /**
       * The grant is dead (refresh: the account becomes EXPIRED; code exchange: the code is
       * unusable). Defaults to true for `invalid_grant` (and for any error of a code exchange).
       */
      readonly dead?: boolean
      /** Trying again later may succeed (rate limit, provider outage). */
      readonly retryable?: boolean
      /** The provider's HTTP status. */
      readonly status?: number
      /** How long the provider asked us to wait, in ms. */
      readonly retryAfterMs?: number
    }

/** What a {@link OAuthConnector.parseTokenResponse} gets besides the response. */
export interface TokenParseContext {
  readonly grant: TokenGrant
  /**
   * The RFC 6749 reading of this same response (oauth4webapi's `process*Response`): call it
   * for answers that follow the RFC, after handling your provider's deviations.
   */
  standard(): Promise<TokenAnswer>
}

/** What the engine lends a connector when it needs its endpoints. */
export interface ConnectContext {
  /** The engine's HTTP client (pooled undici, deadline, body cap, no redirects). */
  readonly http: HttpClient
  readonly signal: AbortSignal
}

/**
 * The connect side of an adapter: the OAuth 2.0 authorization code flow (with PKCE) and the
 * refresh grant for its provider. Declared as data; the engine runs the flow with
 * `oauth4webapi` on its own transport, so a connector only says where and how, and parses
 * answers only where its provider deviates from RFC 6749. An adapter without one can still
 * import accounts (`create`) and revoke them.
 *
 * Keep the client secret in the factory's closure and hand it out through {@link clientSecret};
 * never put it on a property.
 *
 * @example
 * ```ts
 * connect: {
 *   endpoints: () => ({ authorizationEndpoint: 'https://id.acme.example/authorize', tokenEndpoint: 'https://id.acme.example/token' }),
 *   clientId: options.clientId,
 *   clientAuth: 'client_secret_basic',
 *   clientSecret: () => options.clientSecret,
 *   scopes: options.scopes ?? ['read'],
 * }
 * ```
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1 (authorization code grant)
 * @see https://datatracker.ietf.org/doc/html/rfc7636 (PKCE)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6 (refresh grant)
 */
export interface OAuthConnector {
  /** The provider's endpoints: fixed, or discovered (RFC 8414) and cached by the connector. */
  endpoints(context: ConnectContext): ConnectEndpoints | Promise<ConnectEndpoints>
  readonly clientId: string
  /** @default 'client_secret_basic' when a secret is given, else 'none' */
  readonly clientAuth?: ClientAuthMethod
  /** The client secret, from the factory's closure. */
  clientSecret?(): string
  /** Scopes asked for when `initiate` names none. */
  readonly scopes: readonly string[]
  /** How scopes are joined in the `scope` parameter (Slack and GitHub take commas). @default ' ' */
  readonly scopeSeparator?: string
  /** Extra authorization-request parameters, e.g. Google's `access_type=offline`, `prompt=consent`. */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** Send a PKCE S256 challenge. Only turn it off for a provider that rejects PKCE. @default true */
  readonly pkce?: boolean
  /** Extra headers on token requests (GitHub needs `Accept: application/json`). */
  readonly tokenHeaders?: Readonly<Record<string, string>>
  /** The provider accepts the refresh grant. @default true */
  readonly refresh?: boolean
  /**
   * Reads a token answer that deviates from RFC 6749 (errors in a 200, tokens nested, a
   * non-Bearer `token_type`). Omit it for RFC-shaped providers; call `context.standard()` for
   * the parts that follow the RFC. The response body holds tokens: never log or echo it.
   */
  parseTokenResponse?(response: HttpResponse, context: TokenParseContext): TokenAnswer | Promise<TokenAnswer>
}
