import { inspect } from 'node:util'
import {
  type AuditEvent,
  type BackoffOptions,
  type Credentials,
  createEngine,
  type Engine,
  memoryStore,
  type RevocationAdapter,
  type RevokeRequest,
  TOKEN_SUBJECTS,
  type TokenSubject,
} from '@revokit/core'
import { leaksWindow } from '@revokit/core/testing'
import { canary, randomPart } from './canary'
import { type CaptureLogger, captureLogger } from './capture-logger'
import { observeAdapter, revokeRequest, type Settled, type SettleOptions, settleRevoke } from './dispatch'
import { type MountedCassette, mountCassette } from './nock'
import { findLeaks } from './scrub'

/** What an adapter factory is given in a contract run. */
export interface AdapterEnv {
  /** Where the adapter must send its requests: the provider's origin, or a local test server. */
  readonly origin: string
  /** The run's app credentials: the contract's `vars` plus a fresh canary for each of `secrets`. */
  readonly vars: Readonly<Record<string, string>>
}

/** The parts of the contract options a run needs. */
export interface RunOptions {
  /** The provider name, used in canary labels. */
  readonly provider: string
  /** The provider's real origin (cassettes are written against it). */
  readonly origin: string
  /** Builds the adapter under test. Called once per run, with that run's fake credentials. */
  create(env: AdapterEnv): RevocationAdapter
  /** Non-secret fake values the factory needs (a client id); also `{{name}}` in cassettes. */
  readonly vars?: Readonly<Record<string, string>>
  /** Names of the app's secrets (a client secret): each gets a canary that must never leak. */
  readonly secrets?: readonly string[]
  /** Where the cassettes live: a folder path or a `file:` URL ending in `/`. */
  readonly cassetteDir: string | URL
}

/** What an engine-level run gives back. */
export interface EngineRun {
  readonly engine: Engine
  /** Subjects the adapter was asked to revoke, in order. */
  readonly calls: TokenSubject[]
  readonly logger: CaptureLogger
  readonly events: AuditEvent[]
}

/**
 * One contract run: fresh canary tokens and app secrets, the adapter built with them, and
 * helpers that drive it through the production code path. Adapter tests use it for their own
 * quirk cases, so those get the same leak checks as the shared contract.
 */
export interface ContractRun {
  readonly adapter: RevocationAdapter
  readonly env: AdapterEnv
  /** Canary tokens, one per subject. */
  readonly tokens: Readonly<Record<TokenSubject, string>>
  /** Every secret of the run (tokens and app secrets), by name. */
  readonly secrets: Readonly<Record<string, string>>
  /** Placeholder values for a cassette replayed for `subject` (`{{token}}` is that subject's). */
  vars(subject: TokenSubject): Record<string, string>
  /** Mounts a cassette from the contract's folder for `subject`. */
  cassette(file: string, subject: TokenSubject, origin?: string): MountedCassette
  /**
   * Dispatches `subject` of an account holding both tokens through core's dispatch (sanitising,
   * redaction, retries up to `maxAttempts`, by default 1); never throws.
   */
  revoke(subject: TokenSubject, options?: SettleOptions & { adapter?: RevocationAdapter }): Promise<Settled>
  /** The request the engine would pass for `subject` of an account holding `held`. */
  request(subject: TokenSubject, held?: readonly TokenSubject[]): RevokeRequest
  /** A real engine over `memoryStore()` with this run's adapter (spied), a capture logger and events. */
  engine(options?: {
    timeoutMs?: number
    deadlineMs?: number
    maxAttempts?: number
    /** @default { baseMs: 1, maxMs: 10 } */
    backoff?: BackoffOptions
  }): EngineRun
  /** Credentials of a test account holding `held`. */
  credentials(held?: readonly TokenSubject[]): Credentials
  /** Every leak of this run's secrets in `texts`, described without the secret. */
  leaks(...texts: unknown[]): string[]
}

/** Every string a caller could see of a value: messages, stacks, fixes, JSON, inspection. */
export function exposedText(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value === 'string') return value
  const parts: string[] = []
  if (value instanceof Error) {
    const e = value as Error & {
      suggestedFix?: unknown
      errors?: unknown
      toJSON?: () => unknown
      cause?: unknown
    }
    parts.push(e.message, String(e.stack), String(e.suggestedFix ?? ''), JSON.stringify(e.errors ?? null))
    try {
      parts.push(JSON.stringify(e.toJSON?.() ?? e))
    } catch {}
    if (e.cause instanceof Error) parts.push(e.cause.message)
  } else {
    try {
      parts.push(JSON.stringify(value))
    } catch {}
  }
  parts.push(inspect(value, { depth: 6, showHidden: true, breakLength: Number.POSITIVE_INFINITY }))
  return parts.join('\n')
}

function dirUrl(dir: string | URL): URL {
  if (dir instanceof URL) return dir.href.endsWith('/') ? dir : new URL(`${dir.href}/`)
  return new URL(`file://${dir.endsWith('/') ? dir : `${dir}/`}`)
}

/** Where a cassette named in the contract options lives. */
export function cassettePath(dir: string | URL, file: string): URL {
  return new URL(file, dirUrl(dir))
}

/**
 * Starts a contract run. Each run has its own canaries, so a leak found in one test cannot be
 * an echo of another.
 */
export function createContractRun(options: RunOptions, origin = options.origin): ContractRun {
  const label = options.provider
  const tokens = {
    access_token: canary(`${label}-access`),
    refresh_token: canary(`${label}-refresh`),
  }
  const appSecrets: Record<string, string> = {}
  for (const name of options.secrets ?? []) appSecrets[name] = canary(`${label}-${name}`)
  const env: AdapterEnv = { origin, vars: { ...options.vars, ...appSecrets } }
  const adapter = options.create(env)
  const secrets = { ...tokens, ...appSecrets }

  const credentials = (held: readonly TokenSubject[] = TOKEN_SUBJECTS) => {
    const out: Credentials = { token_type: 'Bearer' }
    for (const subject of held) out[subject] = tokens[subject]
    return out
  }
  const vars = (subject: TokenSubject) => ({ ...env.vars, ...tokens, token: tokens[subject], subject })

  return {
    adapter,
    env,
    tokens,
    secrets,
    vars,
    credentials,
    cassette: (file, subject, at) =>
      mountCassette(cassettePath(options.cassetteDir, file), {
        vars: vars(subject),
        where: file,
        ...(at ? { origin: at } : {}),
      }),
    request: (subject, held = TOKEN_SUBJECTS) =>
      revokeRequest(subject, tokens[subject], credentials(held), adapter.toolkit),
    // The account holds every canary token, so the dispatch knows (and redacts) all of them.
    revoke: (subject, { adapter: other, ...settle } = {}) =>
      settleRevoke(
        other ?? adapter,
        revokeRequest(subject, tokens[subject], credentials(), adapter.toolkit),
        settle,
      ),
    engine(engineOptions = {}) {
      const calls: TokenSubject[] = []
      const spied = observeAdapter(adapter, { onCall: (request) => calls.push(request.subject) })
      const logger = captureLogger()
      const events: AuditEvent[] = []
      const engine = createEngine({
        store: memoryStore(),
        adapters: [spied],
        timeoutMs: engineOptions.timeoutMs ?? 5_000,
        deadlineMs: engineOptions.deadlineMs ?? 10_000,
        maxAttempts: engineOptions.maxAttempts ?? 1,
        backoff: engineOptions.backoff ?? { baseMs: 1, maxMs: 10 },
        logger,
        onEvent: (event) => events.push(event),
      })
      return { engine, calls, logger, events }
    },
    leaks: (...texts) => {
      const text = texts.map(exposedText).join('\n')
      // The engine hides every 8-character window of a value it knows, and a run's canaries
      // share their `canary-<provider>-` prefix: a secret the engine did not know can show
      // without that prefix, so its random part is looked for in windows too.
      return [...findLeaks(text, secrets), ...leaksWindow(text, Object.values(secrets).map(randomPart), 8)]
    },
  }
}
