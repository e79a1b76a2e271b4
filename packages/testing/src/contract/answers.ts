import type { RevokeOutcome } from '@revokit/core'
import { expect, it } from 'vitest'
import { type Cassette, readCassette } from '../cassette'
import { mountCassette } from '../nock'
import { cassettePath } from '../run'
import { type CassetteExpectation, list } from './options'
import { adapterThrow, describeSettled, expectSettledClean, retryAfterSeconds, type Suite } from './suite'

type Failed = Extract<RevokeOutcome, { type: 'failed' }>

/**
 * The same cassette with every `Retry-After` answered as 0, so a test can watch the dispatch
 * retry without waiting the seconds the provider asked for.
 */
function withoutWait(cassette: Cassette): Cassette {
  return {
    ...cassette,
    interactions: cassette.interactions.map((interaction) =>
      interaction.rawHeaders
        ? {
            ...interaction,
            rawHeaders: Object.fromEntries(
              Object.entries(interaction.rawHeaders).map(([name, value]) => [
                name,
                name.toLowerCase() === 'retry-after' ? '0' : value,
              ]),
            ),
          }
        : interaction,
    ),
  }
}

/**
 * The provider's answers, one case each, every one through core's dispatch: `revoked`,
 * `already-revoked`, `server-error`, `rate-limited`, `malformed-body`, `empty-body` and
 * `unsupported-token-type`.
 */
export function answerCases(suite: Suite): void {
  const { options, cascades, supported } = suite
  const first = supported[0]
  if (!first) return
  const read = (file: string) => readCassette(cassettePath(options.cassetteDir, file))

  suite.contractCase('revoked', () => {
    it.each(supported)(
      'the success answer for %s is revoked, with the documented cascade',
      async (subject) => {
        const run = suite.run()
        run.cassette(options.cassettes.revoked, subject)
        const settled = await run.revoke(subject)
        expect(settled.outcome.type, describeSettled(settled)).toBe('revoked')
        const outcome = settled.outcome as Extract<RevokeOutcome, { type: 'revoked' }>
        const effective = outcome.cascade ?? run.adapter.cascades?.[subject] ?? []
        expect([...effective].sort()).toEqual([...(cascades[subject] ?? [])].sort())
        expectSettledClean(run, settled)
      },
    )
  })

  /** Every cassette, for every supported subject, must end in exactly this outcome. */
  const outcomeCase = (
    name: 'already-revoked' | 'unsupported-token-type',
    files: readonly string[],
    type: RevokeOutcome['type'],
    title: string,
  ) =>
    suite.contractCase(name, () => {
      const cases = files.flatMap((file) => supported.map((s) => [file, s] as const))
      it.each(cases)(title, async (file, subject) => {
        const run = suite.run()
        run.cassette(file, subject)
        const settled = await run.revoke(subject)
        expect(settled.outcome.type, describeSettled(settled)).toBe(type)
        expectSettledClean(run, settled)
      })
    })
  outcomeCase(
    'already-revoked',
    list(options.cassettes.alreadyRevoked),
    'already_revoked',
    '%s for %s is already_revoked',
  )

  const retryableCase = (name: 'server-error' | 'rate-limited', files: readonly string[]) =>
    suite.contractCase(name, () => {
      const cases = files.flatMap((file) => supported.map((s) => [file, s] as const))
      it.each(cases)(
        '%s for %s is a retryable failure carrying the provider status and Retry-After',
        async (file, subject) => {
          const run = suite.run()
          const cassette = read(file)
          run.cassette(file, subject)
          const seconds = retryAfterSeconds(cassette)
          // With a Retry-After, the dispatch may retry, but the deadline is the provider's
          // wait: honouring it means answering at once, after one call, carrying the wait.
          const settled = await run.revoke(
            subject,
            seconds ? { maxAttempts: 2, deadlineMs: seconds * 1000 } : {},
          )
          expect(settled.outcome.type, describeSettled(settled)).toBe('failed')
          const outcome = settled.outcome as Failed
          expect(outcome.retryable, 'retryable').toBe(true)
          expect(outcome.status, 'status').toBe(cassette.interactions.at(-1)?.status)
          if (seconds !== undefined) expect(outcome.retryAfterMs, 'retryAfterMs').toBe(seconds * 1000)
          expect(settled.attempts, 'no retry before the wait the provider asked for').toBe(1)
          expect(outcome.reason.length).toBeGreaterThan(0)
          expectSettledClean(run, settled)
        },
      )
      it.each(cases)(
        '%s for %s is retried by the dispatch, and a success on the retry is revoked',
        async (file, subject) => {
          const run = suite.run()
          mountCassette(withoutWait(read(file)), { vars: run.vars(subject), where: file })
          run.cassette(options.cassettes.revoked, subject)
          const settled = await run.revoke(subject, { maxAttempts: 2 })
          expect(settled.attempts, describeSettled(settled)).toBe(2)
          expect(settled.outcome.type, describeSettled(settled)).toBe('revoked')
          expectSettledClean(run, settled)
        },
      )
    })
  retryableCase('server-error', list(options.cassettes.serverError))
  retryableCase('rate-limited', list(options.cassettes.rateLimited))

  const oddBodyCase = (name: 'malformed-body' | 'empty-body', expectations: readonly CassetteExpectation[]) =>
    suite.contractCase(name, () => {
      it.each(expectations.map((e) => [e.cassette, e] as const))(
        '%s gives a sensible outcome and never throws',
        async (_file, expectation) => {
          const run = suite.run()
          run.cassette(expectation.cassette, first)
          const settled = await run.revoke(first)
          expect(adapterThrow(settled), describeSettled(settled)).toBeUndefined()
          expect(settled.outcome.type).toBe(expectation.outcome)
          if (settled.outcome.type === 'failed') {
            expect(settled.outcome.reason.length).toBeGreaterThan(0)
            if (expectation.retryable !== undefined)
              expect(settled.outcome.retryable).toBe(expectation.retryable)
          }
          expectSettledClean(run, settled)
        },
      )
    })
  oddBodyCase('malformed-body', list(options.cassettes.malformed))
  oddBodyCase('empty-body', list(options.cassettes.empty))

  // Optional: runs only when the adapter names an unsupported_token_type cassette.
  if (options.cassettes.unsupported !== undefined) {
    outcomeCase(
      'unsupported-token-type',
      list(options.cassettes.unsupported),
      'unsupported',
      '%s for %s is unsupported, not failed or revoked',
    )
  }
}
