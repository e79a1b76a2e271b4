import type { AccountCredentials, CallOptions, RefreshResult } from '../engine-api'
import { contention, type EngineCore, MAX_CAS_TRIES, rewrite } from '../engine-core'
import { isRevokitError, RevokitError } from '../errors'
import { type AccountRecord, type Credentials, credentialSecrets, type FailedRefresh, holds } from '../model'
import type { RevokeClaims } from '../revoke/claim'
import { transitionError } from '../revoke/failure'
import { transition } from '../transitions'
import type { authorizations } from './authorize'
import { type GrantResult, refreshGrant } from './grant'
import {
  type ConnectSettings,
  connectorFor,
  endpointsOf,
  expiresAtMs,
  grantReason,
  redactorFor,
} from './session'

type Authorizations = ReturnType<typeof authorizations>

/**
 * Keeping a connection alive: `credentials` (hand out tokens, refreshing them first when they
 * are about to expire) and `refresh` (the refresh grant, or a new authorization when there is
 * none to use).
 *
 * Single flight: a refresh holds the account's claim (the same one revokes take), so however
 * many callers need fresh tokens at once, in this process or any other sharing the store, one
 * sends the grant and the others wait for the claim and read what it stored. Providers rotate
 * refresh tokens, and a second grant with the old one fails and can kill the grant.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 * @see https://datatracker.ietf.org/doc/html/rfc9700#section-4.14.2 (refresh token rotation)
 */
export function refreshes(
  core: EngineCore,
  claims: RevokeClaims,
  settings: ConnectSettings,
  auth: Authorizations,
) {
  const { store } = core

  /**
   * True when the access token is usable for at least `minValidityMs` more. A provider whose
   * tokens live shorter than that would otherwise be refreshed on every read, so the margin is
   * capped at half the token's lifetime, when revokit obtained the token itself and so knows it.
   */
  function fresh(record: AccountRecord, minValidityMs: number): boolean {
    if (!holds(record.credentials, 'access_token')) return false
    const expires = expiresAtMs(record.credentials)
    if (expires === undefined) return true
    const lifetime = record.tokensObtainedAt ? expires - record.tokensObtainedAt : 0
    const margin = lifetime > 0 ? Math.min(minValidityMs, lifetime / 2) : minValidityMs
    return expires - core.clock() > margin
  }

  function canRefresh(record: AccountRecord): boolean {
    const connector = core.registry.get(record.toolkit)?.connect
    return (
      connector !== undefined && connector.refresh !== false && holds(record.credentials, 'refresh_token')
    )
  }

  /**
   * Reads the account until `done` holds, sending the refresh grant (once, under the claim) when
   * it does not. Callers that find a refresh in flight wait for it and share its answer.
   */
  async function until(
    id: string,
    call: CallOptions,
    done: (record: AccountRecord) => boolean,
  ): Promise<AccountRecord> {
    let waitedOn: string | undefined
    for (let tries = 0; tries < MAX_CAS_TRIES; ) {
      const record = await core.load(id, call)
      if (waitedOn !== undefined && record.lastFailedRefresh?.claimId === waitedOn) {
        throw failureError(record.lastFailedRefresh)
      }
      if (!transition(record.status, 'read').allowed) throw notActive(record)
      if (done(record)) return record
      if (claims.live(record)) {
        waitedOn = record.claim?.id
        await claims.wait(record)
        continue
      }
      waitedOn = undefined
      if (!canRefresh(record)) return expireIfDead(record, call)
      const claimed = await claims.take(record, settings.refreshDeadlineMs)
      if (!claimed) {
        tries++
        continue
      }
      const refreshed = await claims.hold(claimed, grant(claimed, call))
      if (refreshed) return refreshed
      tries++
    }
    throw contention(id)
  }

  /**
   * No way to refresh: a token that has not expired yet is still handed out; one that has is
   * dead, and so is the account (EXPIRED, with the reason).
   */
  async function expireIfDead(record: AccountRecord, call: CallOptions): Promise<AccountRecord> {
    const expires = expiresAtMs(record.credentials)
    const live =
      holds(record.credentials, 'access_token') && (expires === undefined || expires > core.clock())
    if (live) return record
    const reason = holds(record.credentials, 'refresh_token')
      ? 'the access token expired and the toolkit has no refresh grant configured'
      : 'the access token expired and the account holds no refresh token'
    await expire(record, call, reason, 'expired')
    throw rejected(record.id, reason)
  }

  /** Sends the refresh grant as the claim's holder and stores what it answered. */
  async function grant(claimed: AccountRecord, call: CallOptions): Promise<AccountRecord | undefined> {
    const { adapter, connector } = connectorFor(core, claimed.toolkit)
    const sent = claimed.credentials.refresh_token as string
    let result: GrantResult
    try {
      const endpoints = await endpointsOf(core, connector, settings.refreshDeadlineMs)
      result = await refreshGrant(connector, endpoints, {
        transport: core.runtime.transport,
        deadline: core.clock() + settings.refreshDeadlineMs,
        clock: core.clock,
        logger: core.logger,
        refreshToken: sent,
      })
    } catch (error) {
      const message = isRevokitError(error) ? error.message : 'the refresh could not be sent'
      result = { type: 'error', error: 'transport_error', description: message, dead: false, retryable: true }
    }

    if (result.type === 'tokens') {
      const credentials = merge(claimed.credentials, result.credentials)
      const now = core.iso()
      const next: AccountRecord = {
        ...claimed,
        credentials,
        claim: null,
        lastFailedRefresh: null,
        statusReason: null,
        tokensObtainedAt: core.clock(),
        updatedAt: now,
        version: claimed.version + 1,
      }
      const events = [core.event(claimed, 'refreshed', 'ACTIVE', 'ACTIVE', call, undefined, now)]
      // The rotated-away tokens must leave the store's files.
      if (await core.cas(claimed, next, events, true)) {
        core.emit(events)
        return next
      }
      // Our claim expired and was taken over, or the account was deleted: the caller re-reads.
      core.logger.warn(
        { accountId: claimed.id },
        'revokit: a refresh outlived its claim; its tokens were not stored',
      )
      return undefined
    }

    const redact = redactorFor(adapter, ...core.runtime.secrets, ...credentialSecrets(claimed.credentials))
    const reason = grantReason(result, redact)
    if (result.dead) {
      // A refresh token that is no longer the stored one was rotated by someone else (another
      // process that took over, updateCredentials): a lost race, not a dead grant.
      const stored = await store.get(claimed.id).catch(() => undefined)
      if (stored && stored.credentials.refresh_token !== sent) {
        await release(claimed, call)
        return undefined
      }
      await expire(claimed, call, reason, 'refresh_failed')
      throw rejected(claimed.id, reason)
    }
    const failure: FailedRefresh = {
      claimId: claimed.claim?.id as string,
      at: core.iso(),
      status: result.retryable ? 503 : 502,
      slug: result.retryable ? 'refresh_failed' : 'token_exchange_failed',
      message: `The provider did not refresh the tokens of ${claimed.id}: ${reason}.`,
      errors: [`error: ${result.error}`],
      ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    }
    await release(claimed, call, failure)
    throw failureError(failure)
  }

  /** Moves an account whose grant is dead to EXPIRED, keeping the reason. */
  async function expire(
    record: AccountRecord,
    call: CallOptions,
    reason: string,
    type: 'expired' | 'refresh_failed',
  ): Promise<void> {
    await rewrite(core, record, call, (current) => {
      const step = transition(current.status, 'expire')
      if (!step.allowed || step.noop) return undefined
      return {
        change: { status: 'EXPIRED', statusReason: reason, claim: null, lastFailedRefresh: null },
        event: { type, to: 'EXPIRED', reason },
      }
    })
  }

  /** Clears our claim, recording a transient failure for the callers who waited on it. */
  async function release(claimed: AccountRecord, call: CallOptions, failure?: FailedRefresh): Promise<void> {
    const claimId = claimed.claim?.id
    await rewrite(core, claimed, call, (current) =>
      current.claim?.id === claimId
        ? {
            change: { claim: null, ...(failure ? { lastFailedRefresh: failure } : {}) },
            ...(failure
              ? { event: { type: 'refresh_failed', to: current.status, reason: failure.message } }
              : {}),
          }
        : undefined,
    )
  }

  return {
    async credentials(
      id: string,
      options: CallOptions & { minValidityMs?: number },
    ): Promise<AccountCredentials> {
      const minValidityMs = options.minValidityMs ?? 60_000
      if (!Number.isFinite(minValidityMs) || minValidityMs < 0) {
        throw new RevokitError('validation_failed', {
          message: 'minValidityMs must be a non-negative number of milliseconds.',
          suggestedFix: 'Pass e.g. { minValidityMs: 60000 }, or omit it.',
          errors: ['minValidityMs: must be >= 0'],
        })
      }
      // The fast path reads once: a fresh token needs no claim, no write.
      const first = await core.load(id, options)
      const started = first.credentials.access_token
      // Fresh, or refreshed since this call began (by us or by the refresh we waited for).
      const record =
        first.status === 'ACTIVE' && fresh(first, minValidityMs)
          ? first
          : await until(id, options, (r) => fresh(r, minValidityMs) || r.credentials.access_token !== started)
      const expires = expiresAtMs(record.credentials)
      return {
        authScheme: 'OAUTH2',
        val: { ...record.credentials },
        expiresAt: expires === undefined ? null : new Date(expires).toISOString(),
      }
    },

    async refresh(id: string, options: CallOptions & { callbackUrl?: string }): Promise<RefreshResult> {
      const record = await auth.expireStale(await core.load(id, options), options)
      const step = transition(record.status, 'refresh')
      if (step.allowed && canRefresh(record)) {
        const before = record.credentials.access_token
        try {
          // Done once the stored access token is not the one we started from: ours, or that of
          // a refresh that was already in flight.
          const refreshed = await until(id, options, (r) => r.credentials.access_token !== before)
          return { id, status: refreshed.status, redirectUrl: null }
        } catch (error) {
          // A dead grant: consent again, below. Anything else (provider down) is the answer.
          if (!(isRevokitError(error) && error.slug === 'refresh_rejected')) throw error
        }
      } else if (record.status !== 'ACTIVE' && !transition(record.status, 'authorize').allowed) {
        throw transitionError(record, 'refresh')
      }
      const redirectUrl = await auth.authorize(id, options.callbackUrl, options)
      const after = await core.load(id, options)
      return { id, status: after.status, redirectUrl }
    },
  }
}

/** New tokens over old: a provider that issues no new refresh token keeps the old one valid. */
function merge(old: Credentials, fresh: Credentials): Credentials {
  const next: Credentials = { ...old, ...fresh }
  if (fresh.refresh_token === undefined && old.refresh_token !== undefined)
    next.refresh_token = old.refresh_token
  // An expiry that came with the old token says nothing about the new one.
  if (fresh.expires_at === undefined) delete next.expires_at
  return next
}

function failureError(failure: FailedRefresh): RevokitError {
  const retryable = failure.slug === 'refresh_failed'
  return new RevokitError(retryable ? 'refresh_failed' : 'token_exchange_failed', {
    message: failure.message,
    suggestedFix: retryable
      ? `The provider is unavailable or rate-limiting; retry${failure.retryAfterMs !== undefined ? ` after ${Math.ceil(failure.retryAfterMs / 1000)} s` : ' later'}. The account stays ACTIVE with its current tokens.`
      : 'Check the toolkit’s client id and secret at the provider; the account stays ACTIVE.',
    errors: [...failure.errors],
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  })
}

function rejected(id: string, reason: string): RevokitError {
  return new RevokitError('refresh_rejected', {
    message: `The provider no longer accepts the refresh token of ${id} (${reason}); the account is now EXPIRED.`,
    suggestedFix: `Reconnect the user: refresh the account (engine.refresh, POST /api/v3/connected_accounts/${id}/refresh) for a new authorization link.`,
    errors: [`status_reason: ${reason}`],
  })
}

function notActive(record: AccountRecord): RevokitError {
  const why = record.statusReason ? ` (${record.statusReason})` : ''
  return new RevokitError('connected_account_not_active', {
    message: `Connected account ${record.id} is ${record.status}${why}; only ACTIVE accounts hand out credentials.`,
    suggestedFix:
      record.status === 'INACTIVE'
        ? 'Enable the account first (PATCH status {"enabled": true}).'
        : record.status === 'REVOKED'
          ? 'Its tokens were revoked: connect the user again with a new link.'
          : `Complete or redo the authorization: refresh the account (POST /api/v3/connected_accounts/${record.id}/refresh) for a link.`,
  })
}
