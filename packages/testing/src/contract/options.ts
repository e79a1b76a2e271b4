import type { RevokeOutcome, TokenSubject } from '@revokit/core'
import type { ContractRun, RunOptions } from '../run'

/** The cases of the shared contract, by the name used to skip one. */
export const CONTRACT_CASES = [
  'cassettes',
  'declared-subjects',
  'revoked',
  'already-revoked',
  'server-error',
  'rate-limited',
  'malformed-body',
  'empty-body',
  'unsupported-token-type',
  'network-unmocked',
  'network-reset',
  'timeout',
  'request-shape',
  'no-secrets',
  'faults',
] as const

/** A case of the shared contract. */
export type ContractCase = (typeof CONTRACT_CASES)[number]

/** What the documentation says one revocation request looks like. */
export interface ExpectedRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Absolute URL, query included: the token must not be in it unless documented. */
  url: string
  /**
   * Headers that must be sent with exactly these values (names case-insensitive). A credential
   * header (`authorization`, `cookie`, `proxy-authorization`, `x-api-key`) not listed here must
   * be absent.
   */
  headers?: Readonly<Record<string, string>>
  /** A string is compared exactly; an object or array as JSON, deeply; `null`/absent: no body. */
  body?: string | Readonly<Record<string, unknown>> | readonly unknown[] | null
}

/** Inputs to {@link AdapterContractOptions.request}. */
export interface ExpectedRequestInput {
  readonly subject: TokenSubject
  /** The token being revoked. */
  readonly token: string
  /** The origin the adapter was built for. */
  readonly origin: string
  /** The run's app credentials (vars and secret canaries). */
  readonly vars: Readonly<Record<string, string>>
}

/** A cassette whose answer has no one right reading, with the outcome the adapter promises. */
export interface CassetteExpectation {
  cassette: string
  outcome: RevokeOutcome['type']
  /** For `failed`: whether it must be retryable. */
  retryable?: boolean
}

/** Which cassette (file name in `cassetteDir`) plays which case. */
export interface ContractCassettes {
  /** The provider revoked the token. */
  revoked: string
  /** The provider says the token is invalid, expired or revoked. Required unless `already-revoked` is skipped. */
  alreadyRevoked?: string | readonly string[]
  /** 5xx answers: retryable failures. */
  serverError: string | readonly string[]
  /** 429 (and provider-specific rate-limit answers): retryable, `Retry-After` as `retryAfterMs`. */
  rateLimited: string | readonly string[]
  /** A body that is not what the provider documents. */
  malformed: CassetteExpectation | readonly CassetteExpectation[]
  /** An empty body. */
  empty: CassetteExpectation | readonly CassetteExpectation[]
  /**
   * The provider refusing this kind of token (RFC 7009 `unsupported_token_type`): `unsupported`.
   * Optional; the case runs only when given.
   */
  unsupported?: string | readonly string[]
}

/** How `REVOKIT_RECORD=1` runs get real values. */
export interface RecordingOptions {
  /**
   * Environment variable names by placeholder name: `token` (a live token to revoke) and one for
   * each name in `vars` and `secrets` (e.g. `{ token: 'GITHUB_RECORD_TOKEN', client_id:
   * 'GITHUB_CLIENT_ID', client_secret: 'GITHUB_CLIENT_SECRET' }`). List them in the README.
   */
  env: Readonly<Record<string, string>>
  /** Which subject the recorded token is. @default the first subject the adapter supports */
  subject?: TokenSubject
  /**
   * For generic adapters with no fixed provider (RFC 7009): the env var holding the live
   * server's origin. Recorded cassettes are written at the contract's `origin` so they replay.
   */
  originEnv?: string
}

/** Options of {@link describeRevocationAdapter}. */
export interface AdapterContractOptions extends RunOptions {
  /** Added to the suite title, e.g. `'mode: grant'` when one adapter runs the contract twice. */
  name?: string
  /**
   * What the provider documents it kills along with each subject. Checked against the adapter's
   * declaration and its outcomes, and used to predict what the engine dispatches.
   */
  cascades?: Readonly<Partial<Record<TokenSubject, readonly TokenSubject[]>>>
  /** The documented request for one subject. */
  request(input: ExpectedRequestInput): ExpectedRequest
  cassettes: ContractCassettes
  /** The doc page recorded cassettes cite. @default the adapter's `docsUrl` */
  docsUrl?: string
  /** The per-attempt timeout the timeout case uses. @default 300 */
  timeoutMs?: number
  /** Cases this adapter cannot run, each with the reason (printed when the suite is collected). */
  skip?: Readonly<Partial<Record<ContractCase, string>>>
  /** Enables `REVOKIT_RECORD=1`. */
  record?: RecordingOptions
  /** Registers the adapter's own cases inside the suite, with the same nock guard. */
  extend?(kit: ContractKit): void
}

/** What {@link AdapterContractOptions.extend} gets. */
export interface ContractKit {
  readonly options: AdapterContractOptions
  /** A fresh run (canaries, adapter, helpers) for a custom case. */
  run(origin?: string): ContractRun
}

/** A value given as one or many, as a list. */
export const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as T]

/** Every cassette the options name, in case order. */
export function allCassettes(cassettes: ContractCassettes): string[] {
  return [
    cassettes.revoked,
    ...list(cassettes.alreadyRevoked),
    ...list(cassettes.serverError),
    ...list(cassettes.rateLimited),
    ...list(cassettes.malformed).map((c) => c.cassette),
    ...list(cassettes.empty).map((c) => c.cassette),
    ...list(cassettes.unsupported),
  ]
}

/** Throws a TypeError listing every problem of the options, before any suite registers. */
export function validateOptions(options: AdapterContractOptions) {
  const problems: string[] = []
  for (const [name, reason] of Object.entries(options.skip ?? {})) {
    if (!(CONTRACT_CASES as readonly string[]).includes(name))
      problems.push(`skip.${name}: not a contract case (cases: ${CONTRACT_CASES.join(', ')})`)
    if (typeof reason !== 'string' || reason.trim().length < 10)
      problems.push(`skip.${name}: give the reason in a sentence`)
  }
  // A cassette is required unless its case is skipped with a reason (RFC 7009 servers, say,
  // have no distinct already-revoked answer).
  const caseOf = {
    revoked: 'revoked',
    alreadyRevoked: 'already-revoked',
    serverError: 'server-error',
    rateLimited: 'rate-limited',
    malformed: 'malformed-body',
    empty: 'empty-body',
  } as const
  for (const [key, name] of Object.entries(caseOf) as Array<[keyof typeof caseOf, ContractCase]>) {
    if (!options.cassettes?.[key] && !options.skip?.[name]) {
      problems.push(`cassettes.${key} is required (or skip '${name}' with a reason)`)
    }
  }
  if (typeof options.create !== 'function') problems.push('create must be a function building the adapter')
  if (typeof options.request !== 'function') problems.push('request must be a function')
  if (problems.length)
    throw new TypeError(`describeRevocationAdapter(${options.provider}):\n  ${problems.join('\n  ')}`)
}
