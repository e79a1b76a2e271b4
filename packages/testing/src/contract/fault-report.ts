import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AccountStatus, RevokeOutcome, SubjectOutcomes, TokenSubject } from '@revokit/core'

/**
 * The faults the contract's `faults` case puts every adapter through, in table order. Each runs
 * through the adapter's production path (core's dispatch and a real engine over `memoryStore()`);
 * nock scripts the answers, and a real server on 127.0.0.1 plays what nock cannot (a socket that
 * hangs, stalls, resets or is refused, an answer that comes too late, a body that never ends).
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2.1 (a 503 and retrying later; docs/faults.md in the revokit repository is the table generated from these cases)
 */
export const FAULT_CASES = [
  'http-500',
  'http-502',
  'http-503',
  '429-retry-after-seconds',
  '429-retry-after-date',
  'accept-and-hang',
  'headers-then-stall',
  'reset-mid-body',
  'connection-refused',
  'malformed-body',
  '10mb-body',
  'redirect-other-origin',
  'success-after-deadline',
] as const

/** One fault of {@link FAULT_CASES}. */
export type FaultCase = (typeof FAULT_CASES)[number]

/** The engine settings a fault case runs with (short ones, so the suite is quick). */
export interface FaultSettings {
  /** One attempt's timeout. */
  readonly timeoutMs: number
  /** The whole revoke's deadline, retries included (the engine splits it between subjects). */
  readonly deadlineMs: number
  /** Calls of the adapter per subject, the first included. */
  readonly maxAttempts: number
  /** Retry delays when the provider gives no `Retry-After`. */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number }
}

/** What one fault did to one adapter: the dispatch of one subject, and a whole revoke. */
export interface FaultObservation {
  readonly fault: FaultCase
  /** The fault, in a phrase. */
  readonly title: string
  /** What played the provider: `nock`, or a real server on `127.0.0.1`. */
  readonly via: 'nock' | '127.0.0.1'
  readonly settings: FaultSettings
  /** Core's dispatch of the adapter's first supported subject, alone. */
  readonly dispatch: {
    readonly subject: TokenSubject
    readonly outcome: RevokeOutcome['type']
    readonly retryable?: boolean
    readonly status?: number
    /**
     * What ended it: `HTTP <status>`, or the transport's reason (`timeout`, `deadline`,
     * `network`, `response_too_large`, `redirect`), or `answer` for a body the adapter read.
     */
    readonly why: string
    readonly attempts: number
    readonly elapsedMs: number
  }
  /** `engine.revoke` of an account holding both tokens, and the account afterwards. */
  readonly engine: {
    /** 200, or the status of the error it threw. */
    readonly answer: number
    readonly slug?: string
    readonly subjects: SubjectOutcomes
    /** Calls of the adapter per subject. */
    readonly attempts: Partial<Record<TokenSubject, number>>
    readonly elapsedMs: number
    readonly account: {
      readonly status: AccountStatus
      readonly revoked: readonly TokenSubject[]
      readonly pending: readonly TokenSubject[]
      /** Subjects whose token value the store still holds. */
      readonly kept: readonly TokenSubject[]
    }
  }
  /** What the fault's own check saw, in words (e.g. "no request reached the redirect target"). */
  readonly checked: readonly string[]
}

/** The JSON file one contract suite writes under `REVOKIT_FAULT_REPORT`. */
export interface FaultReport {
  readonly provider: string
  /** The contract's `name`, when one adapter runs the contract more than once. */
  readonly name?: string
  readonly suite: string
  readonly observations: readonly FaultObservation[]
}

/** The file name a suite's report gets: `google.json`, `github-mode-token.json`. */
export function faultReportFile(provider: string, name?: string): string {
  const slug = [provider, name]
    .filter(Boolean)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  return `${slug}.json`
}

/**
 * Writes `report` into the folder named by `REVOKIT_FAULT_REPORT`, when it is set (`pnpm faults`
 * sets it, then renders docs/faults.md from the files). Returns the path written, if any.
 */
export function writeFaultReport(
  report: FaultReport,
  dir = process.env.REVOKIT_FAULT_REPORT,
): string | undefined {
  if (!dir) return undefined
  mkdirSync(dir, { recursive: true })
  const file = join(dir, faultReportFile(report.provider, report.name))
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}
