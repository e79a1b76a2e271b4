import {
  type AccountRecord,
  type BackoffOptions,
  type Credentials,
  createDispatchRuntime,
  dispatchSubject,
  type Logger,
  type RevocationAdapter,
  type RevokeOutcome,
  type RevokeRequest,
  revokeRequestFor,
  type SubjectDispatch,
  type TokenSubject,
} from '@revokit/core'
import type { Dispatcher } from 'undici'

/** Options of {@link settleRevoke}. */
export interface SettleOptions {
  /** One attempt's timeout. @default 5000 */
  timeoutMs?: number
  /** The whole dispatch's deadline, retries included. @default 10000 */
  deadlineMs?: number
  /**
   * Calls of the adapter the dispatch may make, the first included. The default sends once, so a
   * cassette with one answer is enough; pass more to see a retryable failure retried.
   * @default 1
   */
  maxAttempts?: number
  /**
   * The delays between retries when the provider gives no `Retry-After`. A `Retry-After` is
   * always honoured. @default { baseMs: 1, maxMs: 10 } (tests wait milliseconds, not seconds)
   */
  backoff?: BackoffOptions
  /** Send through this undici dispatcher (a recorder, a proxy). */
  dispatcher?: Dispatcher
  /** Receives what the adapter and the dispatch log, redacted as the engine redacts it. */
  logger?: Logger
}

/** @deprecated Renamed {@link SettleOptions}: the kit no longer builds a context of its own. */
export type RevokeContextOptions = SettleOptions

/** One call of the adapter's `revoke`, as the adapter itself ended it. */
export type AdapterCall = { readonly returned: unknown } | { readonly threw: unknown }

/**
 * How one dispatch through core ended (`outcome`, `attempts`, `transport`), and what the adapter
 * answered on each call before the dispatch checked and redacted it.
 */
export interface Settled extends SubjectDispatch {
  /** Every call of the adapter, in order; what it returned or threw, untouched. */
  readonly calls: readonly AdapterCall[]
  /** How long the dispatch took, until its outcome (closing its connections not counted). */
  readonly elapsedMs: number
}

// Retries in tests wait milliseconds, not seconds; a `Retry-After` is still honoured.
const KIT_BACKOFF = { baseMs: 1, maxMs: 10 }

/** The fixed identity of the kit's test account. */
const KIT_ACCOUNT = { id: 'ca_kitaccount01', projectId: 'default', userId: 'kit-user' } as const

/**
 * Builds the request the engine would pass for one subject of a test account, with core's own
 * builder (frozen copies, the token taken from the credentials).
 */
export function revokeRequest(
  subject: TokenSubject,
  token: string,
  credentials: Credentials = { [subject]: token },
  toolkit = 'test',
): RevokeRequest {
  // revokeRequestFor reads only the identity and the credentials of the record.
  const record = {
    ...KIT_ACCOUNT,
    toolkit,
    credentials: { ...credentials, [subject]: token },
  } satisfies Pick<AccountRecord, 'id' | 'projectId' | 'userId' | 'toolkit' | 'credentials'>
  return revokeRequestFor(record as AccountRecord, subject)
}

/**
 * `adapter` with its `revoke` observed: `onCall` is told each call's subject when it starts,
 * and `onSettle` what it returned or threw, before anyone else sees the answer. The other
 * members (`redact`, `close`, the declarations) are the adapter's own, bound to it, so a
 * class-based adapter keeps its private state.
 */
export function observeAdapter(
  adapter: RevocationAdapter,
  observer: {
    onCall?(request: RevokeRequest): void
    onSettle?(call: AdapterCall): void
  },
): RevocationAdapter {
  const { redact: hook, close } = adapter
  return Object.create(adapter, {
    revoke: {
      value(request: RevokeRequest, context: Parameters<RevocationAdapter['revoke']>[1]) {
        observer.onCall?.(request)
        let answer: Promise<RevokeOutcome>
        try {
          answer = Promise.resolve(adapter.revoke(request, context))
        } catch (threw) {
          answer = Promise.reject(threw)
        }
        // Registered before the caller's own handlers, so a settled call is already recorded
        // by the time the caller has the answer.
        answer.then(
          (returned) => observer.onSettle?.({ returned }),
          (threw: unknown) => observer.onSettle?.({ threw }),
        )
        return answer
      },
    },
    ...(hook ? { redact: { value: (text: string) => hook.call(adapter, text) } } : {}),
    ...(close ? { close: { value: () => close.call(adapter) } } : {}),
  }) as RevocationAdapter
}

/**
 * Dispatches one subject the way the engine does, through core's `dispatchSubject`: the one
 * context core builds, its undici transport, the answer checked against the contract, every text
 * redacted (the account's tokens, the secrets the requests sent, the adapter's `redact` hook), a
 * throw or a hang turned into a failed outcome, and retryable failures retried up to
 * `maxAttempts`. Never throws: a thrown `TransportError` is a failed outcome with `transport:
 * true`, any other throw a failed outcome naming it, and `calls` keeps what the adapter did.
 */
export async function settleRevoke(
  adapter: RevocationAdapter,
  request: RevokeRequest,
  options: SettleOptions = {},
): Promise<Settled> {
  const runtime = createDispatchRuntime({
    timeoutMs: options.timeoutMs ?? 5_000,
    maxAttempts: options.maxAttempts ?? 1,
    backoff: options.backoff ?? KIT_BACKOFF,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  // A call the dispatch gave up on (a hang past the deadline) has no entry.
  const calls: AdapterCall[] = []
  const observed = observeAdapter(adapter, { onSettle: (call) => calls.push(call) })
  try {
    const started = performance.now()
    const deadline = Date.now() + (options.deadlineMs ?? 10_000)
    const dispatch = await dispatchSubject(runtime, observed, request, { deadline })
    return { ...dispatch, calls: [...calls], elapsedMs: Math.round(performance.now() - started) }
  } finally {
    await runtime.close()
  }
}
