import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { RevocationAdapter } from '../adapter'
import type { ConnectEndpoints, OAuthConnector } from '../connector'
import type { EngineCore } from '../engine-core'
import { RevokitError } from '../errors'
import { isAccountId } from '../ids'
import type { AccountRecord, Credentials } from '../model'
import { createRedactor, redactAndBound } from '../redact'
import { basicCredentials } from '../request-secrets'
import { TransportError } from '../transport'
import type { GrantResult } from './grant'

/**
 * What the connect operations share besides the engine core: the redirect URI, the link's
 * lifetime, the refresh grant's deadline.
 */
export interface ConnectSettings {
  readonly redirectUri: string | undefined
  readonly linkTtlMs: number
  readonly refreshDeadlineMs: number
}

// 256 random bits: well above the 128 a state needs to be unguessable.
const STATE_BYTES = 32

/**
 * A new state for account `id`: the id (so the callback finds the account without an index)
 * and a random secret, of which only the hash is stored.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-10.12 (CSRF; state binding)
 */
export function newState(id: string): { state: string; stateHash: string } {
  const secret = randomBytes(STATE_BYTES).toString('base64url')
  return { state: `${id}.${secret}`, stateHash: hashSecret(secret) }
}

/** The account id and secret of a state, or undefined when it is not one this engine issues. */
export function parseState(state: string | null): { id: string; secret: string } | undefined {
  if (!state || state.length > 200) return undefined
  const dot = state.indexOf('.')
  const id = state.slice(0, dot)
  const secret = state.slice(dot + 1)
  if (dot < 0 || !isAccountId(id) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined
  return { id, secret }
}

/** True when `secret` is the one whose hash `record` keeps, compared in constant time. */
export function stateMatches(record: AccountRecord, secret: string): boolean {
  const expected = record.authorization?.stateHash
  if (!expected) return false
  const a = Buffer.from(hashSecret(secret))
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}

/** The adapter and connector for `toolkit`, or a 400 saying what is missing. */
export function connectorFor(
  core: EngineCore,
  toolkit: string,
): { adapter: RevocationAdapter; connector: OAuthConnector } {
  const adapter = core.registry.get(toolkit)
  if (!adapter) {
    throw new RevokitError('connect_not_supported', {
      message: `No adapter is registered for toolkit "${toolkit}".`,
      suggestedFix:
        'Register an adapter for this toolkit (createEngine({ adapters }) or the toolkits section of the server config).',
      errors: [`toolkit: ${toolkit} has no adapter`],
    })
  }
  if (!adapter.connect) {
    throw new RevokitError('connect_not_supported', {
      message: `Toolkit "${toolkit}" has no connect settings, so revokit cannot start or refresh its authorization.`,
      suggestedFix:
        "Configure the adapter's connect options (clientId, clientSecret, scopes) so it declares `connect`; or import tokens obtained elsewhere with create / updateCredentials.",
      errors: [`toolkit: ${toolkit} declares no connect`],
    })
  }
  return { adapter, connector: adapter.connect }
}

/** The connector's endpoints (fixed or discovered), on the engine's transport. */
export async function endpointsOf(
  core: EngineCore,
  connector: OAuthConnector,
  deadlineMs: number,
): Promise<ConnectEndpoints> {
  const { transport, clock } = core.runtime
  const signal = AbortSignal.timeout(deadlineMs)
  try {
    return await connector.endpoints({
      http: transport.client({ deadline: clock() + deadlineMs, cancel: signal }),
      signal,
    })
  } catch (error) {
    if (error instanceof RevokitError) throw error
    throw new RevokitError('token_exchange_failed', {
      message: `Could not find the provider's authorization endpoints: ${error instanceof TransportError ? error.message : 'discovery failed'}.`,
      suggestedFix:
        "Check the adapter's issuer or endpoint options and that the provider is reachable, then retry.",
      cause: error,
    })
  }
}

/** A redactor for text about `credentials` (provider error descriptions may echo them). */
export function redactorFor(
  adapter: RevocationAdapter,
  ...values: (string | null | undefined)[]
): (text: string) => string {
  // The connector's client secret is hidden whether or not the adapter's own redact knows it,
  // and so is the Basic credential token requests carry it in.
  const connector = adapter.connect
  const secret = connector?.clientSecret?.()
  const known = createRedactor([
    ...values,
    secret,
    ...(connector && secret ? basicCredentials(connector.clientId, secret) : []),
  ])
  const own = adapter.redact?.bind(adapter)
  return own ? (text) => known(own(text)) : known
}

// Grant errors are one line in a status reason, an event and an error's details.
const MAX_REASON = 300

/** One line describing a grant error, redacted, for status reasons, events and error details. */
export function grantReason(
  result: Extract<GrantResult, { type: 'error' }>,
  redact: (text: string) => string,
): string {
  const text = result.description ? `${result.error}: ${result.description}` : result.error
  const status = result.status !== undefined ? ` (HTTP ${result.status})` : ''
  return `${boundedReason(text, redact)}${status}`
}

/** Provider text for a reason or an error line: redacted, then bounded. */
export function boundedReason(text: string, redact: (text: string) => string): string {
  return redactAndBound(text, redact, MAX_REASON)
}

/** Epoch ms of `credentials.expires_at`, or undefined when there is none or it is unreadable. */
export function expiresAtMs(credentials: Credentials): number | undefined {
  const value = credentials.expires_at
  if (typeof value === 'number')
    return Number.isFinite(value) ? (value < 1e12 ? value * 1000 : value) : undefined
  if (typeof value === 'string') {
    const parsed = Date.parse(value)
    return Number.isNaN(parsed) ? undefined : parsed
  }
  return undefined
}
