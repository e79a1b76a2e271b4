// Runs every adapter's `faults` contract case and renders docs/faults.md from what they observed.
// `pnpm faults` writes the file; the repo check (faults.test.ts) reruns the cases and compares
// everything but the times, so the table cannot drift from what the kit sees.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FaultObservation, FaultReport, FaultSettings } from '@revokit/testing'

/** One adapter's test files that call `describeRevocationAdapter`. */
export interface FaultSuiteFiles {
  readonly adapter: string
  readonly dir: string
  readonly files: readonly string[]
  /** How many contract suites the files register (one report each). */
  readonly suites: number
}

const CONTRACT_CALL = /\bdescribeRevocationAdapter\(/g

/** Every adapter's contract test files under `root/adapters`. */
export function faultSuites(root: string): FaultSuiteFiles[] {
  const adapters = join(root, 'adapters')
  const found: FaultSuiteFiles[] = []
  for (const adapter of readdirSync(adapters).sort()) {
    const src = join(adapters, adapter, 'src')
    if (!existsSync(src)) continue
    const files: string[] = []
    let suites = 0
    for (const file of readdirSync(src).sort()) {
      if (!file.endsWith('.test.ts')) continue
      const text = readFileSync(join(src, file), 'utf8')
      // A call, not the import: the import names it without a parenthesis.
      const calls = text.match(CONTRACT_CALL)?.length ?? 0
      if (calls === 0) continue
      files.push(join('src', file))
      suites += calls
    }
    if (files.length) found.push({ adapter, dir: join(adapters, adapter), files, suites })
  }
  return found
}

/** What one `pnpm faults` run produced. */
export interface FaultRun {
  readonly reports: FaultReport[]
  /** Wall-clock time of the whole run (one vitest process, a worker per file). */
  readonly ms: number
  /** Why the run failed (a fault case, or vitest itself), with the tail of its output. */
  readonly failures: string[]
  readonly suites: FaultSuiteFiles[]
}

const here = dirname(fileURLToPath(import.meta.url))
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

/**
 * Runs only the `faults` case of every adapter's contract suites, in one vitest process at the
 * repository root with a worker per file, `REVOKIT_FAULT_REPORT` pointing at a fresh folder, and
 * reads the JSON the suites wrote.
 */
export async function runFaults(root: string): Promise<FaultRun> {
  const out = mkdtempSync(join(tmpdir(), 'revokit-faults-'))
  const suites = faultSuites(root)
  const files = suites.flatMap((suite) => suite.files.map((file) => relative(root, join(suite.dir, file))))
  const started = performance.now()
  try {
    const args = [
      vitestCli,
      'run',
      '--root',
      root,
      '--config',
      join(here, '../vitest.faults.config.ts'),
      ...files,
      '--testNamePattern',
      // vitest joins the names of a test's suites with ' > '.
      ' > faults > ',
    ]
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: root,
        env: { ...process.env, REVOKIT_FAULT_REPORT: out, NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      child.stdout.on('data', (chunk) => {
        text += chunk
      })
      child.stderr.on('data', (chunk) => {
        text += chunk
      })
      child.on('close', (exit) => resolve({ code: exit, output: text }))
    })
    const failures = code === 0 ? [] : [`vitest exited ${code}:\n${output.slice(-6000)}`]
    const ms = Math.round(performance.now() - started)
    const reports = readdirSync(out)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => JSON.parse(readFileSync(join(out, file), 'utf8')) as FaultReport)
    return { reports, ms, failures, suites }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

const TIME = /^\d+ ms$/

/** The table without its times, which vary from run to run: what the repo check compares. */
export function withoutTimes(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => (TIME.test(cell.trim()) ? ' … ' : cell))
            .join('|')
        : line,
    )
    .join('\n')
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
const settingsText = (s: FaultSettings) =>
  `timeout ${s.timeoutMs} ms, deadline ${s.deadlineMs} ms, ${plural(s.maxAttempts, 'attempt')}, backoff ${s.backoff.baseMs}–${s.backoff.maxMs} ms`

function dispatchText(d: FaultObservation['dispatch']): string {
  if (d.outcome !== 'failed') return `${d.outcome}, ${plural(d.attempts, 'attempt')}`
  return `failed, ${d.retryable ? 'retryable' : 'not retryable'} (${d.why}), ${plural(d.attempts, 'attempt')}`
}

const SUBJECT_ORDER = ['refresh_token', 'access_token'] as const

function engineText(e: FaultObservation['engine']): string {
  const subjects = SUBJECT_ORDER.map((s) => {
    const n = e.attempts[s]
    return `${s} ${e.subjects[s].replace('_', ' ')}${n ? ` ×${n}` : ''}`
  }).join(', ')
  return `${e.answer}${e.slug ? ` ${e.slug}` : ''}: ${subjects}`
}

function accountText(e: FaultObservation['engine']): string {
  const { status, pending, kept } = e.account
  const parts: string[] = [status]
  const scrubbed = SUBJECT_ORDER.filter((s) => !kept.includes(s))
  if (scrubbed.length) parts.push(`scrubbed: ${scrubbed.join(', ')}`)
  if (kept.length)
    parts.push(kept.length === SUBJECT_ORDER.length ? 'both tokens kept' : `kept: ${kept.join(', ')}`)
  if (pending.length) parts.push(`pending: ${pending.join(', ')}`)
  return parts.join('; ')
}

/** docs/faults.md for `reports`, one table per contract suite after a legend of the faults. */
export function renderFaults(reports: readonly FaultReport[]): string {
  const byFault = new Map<string, FaultObservation>()
  for (const report of reports)
    for (const o of report.observations) if (!byFault.has(o.fault)) byFault.set(o.fault, o)
  const lines = [
    '# Fault table',
    '',
    "<!-- Generated by `pnpm faults` from the contract kit's `faults` case; do not edit by hand. -->",
    '',
    'What each adapter does when its provider misbehaves. Every row is one case of the `faults`',
    "contract case of [`@revokit/testing`](../packages/testing/README.md#what-the-contract-checks), run through the adapter's",
    "production path twice: core's dispatch of one subject (its undici transport, the answer checked",
    'and redacted, retries within `maxAttempts`), then `engine.revoke` on a real engine over',
    '`memoryStore()` for an account holding both tokens, read back afterwards. nock plays the',
    "provider's answers; a real server on 127.0.0.1 plays what nock cannot (a silent socket, a",
    'stalled body, a reset, a refused port, a 10 MiB body, a late success).',
    '',
    'Every case also checks that no token or client secret is in any outcome, error, log line or',
    'audit event, and that the account is only left as the engine allows: REVOKED only when a token',
    'died, with the dead tokens scrubbed and a failed one pending; otherwise a 500, ACTIVE, with',
    'every token kept for a later try. The settings are short ones so the suite is quick; the',
    "engine's defaults are timeout 10000 ms, deadline 30000 ms, 3 attempts, backoff 250–5000 ms.",
    '',
    'Times are one run on a 2-core machine, busy with other work; they vary and are not checked.',
    'Everything else is: the repo check reruns the cases and fails when this file no longer matches',
    '(`pnpm faults` rewrites it).',
    '',
    '## The faults',
    '',
    row(['Fault', 'What the provider does', 'Played by', 'Settings', 'What the case asserts']),
    row(['---', '---', '---', '---', '---']),
  ]
  for (const o of byFault.values()) {
    lines.push(
      row([
        `\`${o.fault}\``,
        o.title,
        o.via === 'nock' ? 'nock' : 'a real socket on 127.0.0.1',
        settingsText(o.settings),
        o.checked.join('; '),
      ]),
    )
  }
  for (const report of reports) {
    const subject = report.observations[0]?.dispatch.subject ?? 'first subject'
    lines.push(
      '',
      `## ${report.provider}${report.name ? ` (${report.name})` : ''}`,
      '',
      row([
        'Fault',
        `Dispatch of ${subject}`,
        'Time',
        '`engine.revoke`, both tokens held (calls per subject)',
        'Time',
        'Account afterwards',
      ]),
      row(['---', '---', '---:', '---', '---:', '---']),
    )
    for (const o of report.observations) {
      lines.push(
        row([
          `\`${o.fault}\``,
          dispatchText(o.dispatch),
          `${o.dispatch.elapsedMs} ms`,
          engineText(o.engine),
          `${o.engine.elapsedMs} ms`,
          accountText(o.engine),
        ]),
      )
    }
  }
  return `${lines.join('\n')}\n`
}
