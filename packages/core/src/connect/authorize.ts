import * as z from 'zod'
import type { CallOptions, CompletedAuthorization, InitiateInput, InitiateResult } from '../engine-api'
import { contention, type EngineCore, MAX_CAS_TRIES, notFound, rewrite, storeError } from '../engine-core'
import { RevokitError } from '../errors'
import { nanoid, newAccountId } from '../ids'
import { liveAccounts } from '../lifecycle'
import { type AccountRecord, type ConnectedAccount, type PendingAuthorization, toAccount } from '../model'
import { toolkitSlugSchema } from '../provider/slug'
import type { RevokeClaims } from '../revoke/claim'
import { transitionError } from '../revoke/failure'
import { transition } from '../transitions'
import { labelSchema, parseInput } from '../validate'
import { authorizationUrl, exchangeCode, pkcePair } from './grant'
import {
  boundedReason,
  type ConnectSettings,
  connectorFor,
  endpointsOf,
  grantReason,
  newState,
  parseState,
  redactorFor,
  stateMatches,
} from './session'

const SCOPE = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be printable ASCII without spaces, quotes or backslashes')

const webUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'https:' || url.protocol === 'http:'
    } catch {
      return false
    }
  }, 'must be an absolute http(s) URL')

/** `engine.initiate` input. */
export const initiateInputSchema = z.strictObject({
  userId: labelSchema(256),
  toolkit: toolkitSlugSchema(),
  callbackUrl: webUrl.optional(),
  scopes: z.array(SCOPE).max(100).optional(),
  allowMultiple: z.boolean().optional(),
  projectId: labelSchema(128).optional(),
  alias: labelSchema(256).optional(),
})

const refreshOptionsSchema = webUrl.optional()

/**
 * Connecting an account: `initiate` (a new INITIATED account and its authorization URL),
 * `authorize` (a new authorization for an existing account, for `refresh`),
 * `completeAuthorization` (the provider's redirect: state check, code exchange, ACTIVE) and
 * `waitForConnection`.
 */
export function authorizations(core: EngineCore, claims: RevokeClaims, settings: ConnectSettings) {
  const { store } = core
  // Local waiters, woken when this engine completes an authorization; other processes' are polled.
  const waiters = new Map<string, Set<() => void>>()
  const wake = (id: string) => {
    for (const resolve of waiters.get(id) ?? []) resolve()
    waiters.delete(id)
  }

  function redirectUri(): string {
    if (settings.redirectUri) return settings.redirectUri
    throw new RevokitError('redirect_uri_required', {
      message: 'The engine has no redirect URI, so it cannot send a user to the provider.',
      suggestedFix:
        'Pass createEngine({ redirectUri }) — the route of your app that hands the provider’s redirect to completeAuthorization (the server sets publicUrl in its config).',
      errors: ['redirectUri: missing'],
    })
  }

  /** A new pending authorization and its URL, for `record`'s toolkit. */
  async function prepare(
    record: Pick<AccountRecord, 'id' | 'toolkit'>,
    options: { callbackUrl: string | null; scopes: readonly string[] | undefined },
  ): Promise<{ authorization: PendingAuthorization; url: URL }> {
    const uri = redirectUri()
    const { connector } = connectorFor(core, record.toolkit)
    const endpoints = await endpointsOf(core, connector, settings.refreshDeadlineMs)
    const { state, stateHash } = newState(record.id)
    const pkce = connector.pkce === false ? undefined : await pkcePair()
    const scopes = options.scopes ?? connector.scopes
    const authorization: PendingAuthorization = {
      stateHash,
      codeVerifier: pkce?.verifier ?? null,
      redirectUri: uri,
      callbackUrl: options.callbackUrl,
      scopes: [...scopes],
      expiresAt: core.clock() + settings.linkTtlMs,
      linkToken: `lt_${nanoid(16)}`,
    }
    const url = authorizationUrl(connector, endpoints, {
      redirectUri: uri,
      state,
      codeChallenge: pkce?.challenge ?? null,
      scopes,
    })
    return { authorization, url }
  }

  /** Moves an INITIATED account whose link expired to EXPIRED. Returns the record as stored after. */
  async function expireStale(record: AccountRecord, call: CallOptions): Promise<AccountRecord> {
    return (await expireIfStale(record, call)).record
  }

  /** {@link expireStale}, also saying whether this call wrote the expiry (the reconciler counts it). */
  async function expireIfStale(
    record: AccountRecord,
    call: CallOptions,
  ): Promise<{ record: AccountRecord; written: boolean }> {
    const stale = (current: AccountRecord) =>
      current.status === 'INITIATED' &&
      current.authorization != null &&
      current.authorization.expiresAt <= core.clock() &&
      !claims.live(current)
    if (!stale(record)) return { record, written: false }
    const reason = 'the authorization link expired before the user completed it'
    const { record: after, written } = await rewrite(core, record, call, (current) =>
      stale(current)
        ? {
            change: { status: 'EXPIRED', authorization: null, statusReason: reason },
            event: { type: 'expired', to: 'EXPIRED', reason },
            scrub: true,
          }
        : undefined,
    )
    // Deleted meanwhile: gone for this reader too.
    if (!after || after.status === 'DELETED') throw notFound(record.id)
    return { record: after, written }
  }

  return {
    expireStale,
    expireIfStale,

    async initiate(input: InitiateInput, call: CallOptions): Promise<InitiateResult> {
      const data = parseInput(initiateInputSchema, input, 'connection request')
      if (call.projectId !== undefined && data.projectId !== undefined && call.projectId !== data.projectId) {
        throw new RevokitError('validation_failed', {
          message: 'Invalid connection request: projectId does not match the caller’s project.',
          suggestedFix: 'Omit projectId; the account is created in your project.',
          errors: ['projectId: does not match the caller’s project'],
        })
      }
      connectorFor(core, data.toolkit)
      redirectUri()
      const projectId = data.projectId ?? call.projectId ?? core.defaultProjectId
      const live = liveAccounts(core)
      if (!data.allowMultiple) await live.refuse(projectId, data.userId, data.toolkit)
      const id = newAccountId()
      const { authorization, url } = await prepare(
        { id, toolkit: data.toolkit },
        { callbackUrl: data.callbackUrl ?? null, scopes: data.scopes },
      )
      const now = core.iso()
      const record: AccountRecord = {
        id,
        projectId,
        userId: data.userId,
        toolkit: data.toolkit,
        status: 'INITIATED',
        credentials: {},
        revokedSubjects: [],
        pendingSubjects: [],
        ...(data.alias ? { alias: data.alias } : {}),
        createdAt: now,
        updatedAt: now,
        version: 1,
        claim: null,
        lastFailedRevoke: null,
        authorization,
      }
      const events = [core.event(record, 'created', null, 'INITIATED', call, undefined, now)]
      let inserted: boolean
      try {
        inserted = await store.insert(record, events)
      } catch (error) {
        throw storeError(error)
      }
      if (!inserted) throw contention('a new account')
      core.emit(events)
      if (!data.allowMultiple) await live.settle(record, call)
      return {
        id,
        status: 'INITIATED',
        redirectUrl: url.href,
        expiresAt: new Date(authorization.expiresAt).toISOString(),
        linkToken: authorization.linkToken,
      }
    },

    /**
     * Starts a new authorization for an existing account; it keeps its status until the
     * authorization completes. Returns the provider's URL.
     */
    async authorize(id: string, callbackUrl: string | undefined, call: CallOptions): Promise<string> {
      const checked = parseInput(refreshOptionsSchema, callbackUrl, 'callbackUrl')
      for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
        const record = await core.load(id, call)
        if (claims.live(record)) {
          await claims.wait(record)
          continue
        }
        const step = transition(record.status, 'authorize')
        if (!step.allowed) throw transitionError(record, 'authorize')
        const { authorization, url } = await prepare(record, {
          callbackUrl: checked ?? record.authorization?.callbackUrl ?? null,
          scopes: record.authorization?.scopes,
        })
        const now = core.iso()
        const next: AccountRecord = { ...record, authorization, updatedAt: now, version: record.version + 1 }
        const events = [
          core.event(record, 'authorization_started', record.status, record.status, call, undefined, now),
        ]
        // A replaced verifier must leave the store's files.
        if (await core.cas(record, next, events, record.authorization != null)) {
          core.emit(events)
          return url.href
        }
      }
      throw contention(id)
    },

    async completeAuthorization(
      callback: string | URL | URLSearchParams,
      call: CallOptions,
    ): Promise<CompletedAuthorization> {
      const params = callbackParams(callback)
      const parsed = parseState(params.get('state'))
      if (!parsed) throw invalidState('The callback carries no state revokit issued.')
      let record: AccountRecord
      try {
        record = await core.load(parsed.id, call)
      } catch (error) {
        if (error instanceof RevokitError && error.status === 404) {
          throw invalidState('The callback’s state names no connection (unknown or deleted).')
        }
        throw error
      }
      if (!stateMatches(record, parsed.secret)) {
        throw invalidState('The callback’s state was already used, or replaced by a newer link.')
      }
      const pending = record.authorization as PendingAuthorization
      if (pending.expiresAt <= core.clock()) {
        await expireStale(record, call)
        throw invalidState('The authorization link expired before the user completed it.', record.id)
      }
      const { adapter, connector } = connectorFor(core, record.toolkit)
      const providerError = params.get('error')
      if (providerError !== null) {
        // The user declined or the provider refused. The link stays usable until it expires.
        const code = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(providerError)
          ? providerError
          : 'invalid_error'
        const redact = redactorFor(adapter, ...core.runtime.secrets)
        const description = params.get('error_description')
        const events = [
          core.event(record, 'authorization_failed', record.status, record.status, call, { reason: code }),
        ]
        core.emit(events)
        throw withTarget(
          new RevokitError('authorization_failed', {
            message: `The provider answered the authorization with ${code}.`,
            suggestedFix:
              code === 'access_denied'
                ? 'The user declined; send them to the same link again (until it expires) or refresh the account for a new one.'
                : 'Check the toolkit’s client id, redirect URI and scopes at the provider, then start a new link.',
            errors: [
              `error: ${code}`,
              `connected_account_id: ${record.id}`,
              ...(description ? [`error_description: ${boundedReason(description, redact)}`] : []),
            ],
          }),
          record.id,
          pending.callbackUrl,
        )
      }
      const step = transition(record.status, 'complete')
      if (!step.allowed) throw transitionError(record, 'complete')
      // Consume the state and claim the account in one write: of two callbacks with the same
      // state (a replay, a double click) exactly one exchanges the code.
      if (claims.live(record)) throw invalidState('This authorization is already being completed.', record.id)
      const claim = {
        id: `clm_${nanoid(16)}`,
        expiresAt: core.clock() + settings.refreshDeadlineMs + core.claimGraceMs,
      }
      const consumed: AccountRecord = { ...record, authorization: null, claim, version: record.version + 1 }
      if (!(await core.cas(record, consumed, [], true))) {
        throw invalidState('The callback’s state was already used.', record.id)
      }
      const work = (async () => {
        const endpoints = await endpointsOf(core, connector, settings.refreshDeadlineMs)
        const result = await exchangeCode(connector, endpoints, {
          transport: core.runtime.transport,
          deadline: core.clock() + settings.refreshDeadlineMs,
          clock: core.clock,
          logger: core.logger,
          callback: params,
          state: params.get('state') as string,
          redirectUri: pending.redirectUri,
          codeVerifier: pending.codeVerifier,
        })
        return result
      })()
      let result: Awaited<typeof work>
      try {
        result = await claims.hold(consumed, work)
      } catch (error) {
        await release(consumed, call)
        throw error
      }
      if (result.type === 'error') {
        const redact = redactorFor(adapter, ...core.runtime.secrets, params.get('code'), pending.codeVerifier)
        const reason = grantReason(result, redact)
        await release(consumed, call, reason)
        throw withTarget(
          new RevokitError(result.retryable ? 'token_exchange_failed' : 'authorization_failed', {
            message: `The provider refused to exchange the authorization code: ${reason}.`,
            suggestedFix: result.retryable
              ? 'The provider is unavailable; refresh the account for a new link and try again later.'
              : 'Refresh the account for a new link (codes are single-use and short-lived); if it keeps failing, check the client id, secret and redirect URI.',
            errors: [`error: ${result.error}`, `connected_account_id: ${record.id}`],
          }),
          record.id,
          pending.callbackUrl,
        )
      }
      // The new tokens replace whatever the account held (a re-authorization): scrub the old ones.
      // Our claim kept everyone else out; if it is no longer ours it expired and was taken over,
      // or the account was deleted: the tokens cannot be stored.
      const stored = await rewrite(core, consumed, call, (current) =>
        current.claim?.id === claim.id
          ? {
              change: {
                status: 'ACTIVE',
                credentials: result.credentials,
                revokedSubjects: [],
                pendingSubjects: [],
                statusReason: null,
                lastFailedRefresh: null,
                tokensObtainedAt: core.clock(),
                claim: null,
              },
              event: { type: 'connected', to: 'ACTIVE' },
              scrub: true,
            }
          : undefined,
      )
      if (stored.written && stored.record) {
        wake(record.id)
        return { account: toAccount(stored.record), callbackUrl: pending.callbackUrl }
      }
      throw new RevokitError('concurrent_modification', {
        message: `Connected account ${record.id} changed while its code was being exchanged; the new tokens were not stored.`,
        suggestedFix: 'Read the account; refresh it for a new link if it is not ACTIVE.',
      })
    },

    async waitForConnection(
      id: string,
      options: CallOptions & { timeoutMs?: number; signal?: AbortSignal },
    ): Promise<ConnectedAccount> {
      const timeoutMs = options.timeoutMs ?? 60_000
      const until = core.clock() + timeoutMs
      for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
        options.signal?.throwIfAborted()
        const record = await expireStale(await core.load(id, options), options)
        const pending = record.authorization && record.authorization.expiresAt > core.clock()
        if (record.status === 'ACTIVE' && !pending) return toAccount(record)
        if (record.status !== 'INITIATED' && !pending) {
          throw new RevokitError('invalid_status_transition', {
            message: `Connected account ${id} is ${record.status} and cannot become ACTIVE without a new authorization.`,
            suggestedFix: `Refresh it (engine.refresh, POST /api/v3/connected_accounts/${id}/refresh) for a new link.`,
          })
        }
        const left = until - core.clock()
        if (left <= 0) {
          throw new RevokitError('connection_timeout', {
            message: `Connected account ${id} did not become ACTIVE within ${timeoutMs} ms.`,
            suggestedFix:
              'The user has not finished at the provider yet: wait again, or send them the link once more.',
          })
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer)
            options.signal?.removeEventListener('abort', done)
            waiters.get(id)?.delete(done)
            resolve()
          }
          const timer = setTimeout(done, Math.min(delay, left))
          options.signal?.addEventListener('abort', done, { once: true })
          const set = waiters.get(id) ?? new Set()
          waiters.set(id, set)
          set.add(done)
        })
      }
    },
  }

  /** Releases the exchange's claim after a failure, recording why on the audit trail. */
  async function release(claimed: AccountRecord, call: CallOptions, reason?: string): Promise<void> {
    const claimId = claimed.claim?.id
    await rewrite(core, claimed, call, (current) =>
      current.claim?.id === claimId
        ? {
            change: { claim: null },
            ...(reason ? { event: { type: 'authorization_failed', to: current.status, reason } } : {}),
          }
        : undefined,
    )
  }
}

function callbackParams(callback: string | URL | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return new URLSearchParams(callback)
  if (callback instanceof URL) return new URLSearchParams(callback.search)
  if (typeof callback !== 'string' || callback.length > 8192) {
    throw invalidState('The callback must be the redirect URL or its query string.')
  }
  const text = callback.trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).searchParams
    } catch {
      throw invalidState('The callback URL is malformed.')
    }
  }
  return new URLSearchParams(text.startsWith('?') ? text.slice(1) : text)
}

/**
 * Marks an error raised after the state was verified with the account and the app's callback
 * URL, so a callback route can send the user back to the app (`status=failed`) instead of
 * showing a page. Non-enumerable: they never reach a serialised envelope.
 */
function withTarget(error: RevokitError, accountId: string, callbackUrl: string | null): RevokitError {
  Object.defineProperty(error, 'connectedAccountId', { value: accountId, enumerable: false })
  if (callbackUrl) Object.defineProperty(error, 'callbackUrl', { value: callbackUrl, enumerable: false })
  return error
}

function invalidState(message: string, id?: string): RevokitError {
  return new RevokitError('invalid_state', {
    message,
    suggestedFix:
      'Start again from a new link: each link works once and expires. Call initiate (POST /api/v3/connected_accounts/link) or refresh the account.',
    errors: id ? [`connected_account_id: ${id}`] : [],
  })
}
