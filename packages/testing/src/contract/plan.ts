import {
  isRevokitError,
  planRevoke,
  type RevocationAdapter,
  TOKEN_SUBJECTS,
  type TokenSubject,
} from '@revokit/core'
import { expect, it } from 'vitest'
import { readCassette } from '../cassette'
import { cassettePath } from '../run'
import { type AdapterContractOptions, allCassettes } from './options'
import { createAccount, expectNoLeaks, rejection, type Suite } from './suite'

/**
 * What the engine will dispatch and report for an account holding `held`, per the documented
 * `cascades` (none by default, unlike core's `planRevoke`, which defaults to the adapter's own
 * declaration: the contract checks the declaration against the documentation).
 */
export function expectedPlan(
  adapter: RevocationAdapter,
  held: readonly TokenSubject[],
  cascades: AdapterContractOptions['cascades'] = {},
): { dispatched: TokenSubject[]; revoked: TokenSubject[] } {
  return planRevoke(adapter, held, cascades)
}

/** `cassettes` and `declared-subjects`: the cassettes are honest, the declarations true. */
export function planCases(suite: Suite): void {
  const { options, probe, cascades, supported, unsupported } = suite

  suite.contractCase('cassettes', () => {
    it.each([...new Set(allCassettes(options.cassettes))])(
      '%s is a valid, honestly labelled cassette for this provider',
      (file) => {
        const cassette = readCassette(cassettePath(options.cassetteDir, file))
        expect(cassette.meta.provider).toBe(options.provider)
        for (const interaction of cassette.interactions) expect(interaction.scope).toBe(options.origin)
        if (!cassette.meta.recorded) expect(cassette.meta.source).toMatch(/^https:\/\//)
      },
    )
  })

  suite.contractCase('declared-subjects', () => {
    it('declares both capabilities as booleans and only the documented cascades', () => {
      expect(typeof probe.adapter.supportsAccess).toBe('boolean')
      expect(typeof probe.adapter.supportsRefresh).toBe('boolean')
      for (const subject of TOKEN_SUBJECTS) {
        expect([...(probe.adapter.cascades?.[subject] ?? [])].sort(), `cascades.${subject}`).toEqual(
          [...(cascades[subject] ?? [])].sort(),
        )
      }
    })

    it('through the engine, an account holding both tokens gets exactly the planned dispatches', async () => {
      const run = suite.run()
      const plan = expectedPlan(run.adapter, TOKEN_SUBJECTS, cascades)
      for (const subject of plan.dispatched) run.cassette(options.cassettes.revoked, subject)
      const { engine, calls, logger, events } = run.engine()
      try {
        const account = await createAccount(run, engine)
        if (plan.dispatched.length === 0) {
          const error = await rejection(engine.revoke(account.id))
          expect(isRevokitError(error) && error.status).toBe(400)
          expect(calls).toEqual([])
          expectNoLeaks(run, error, logger.text(), events)
          return
        }
        const result = await engine.revoke(account.id)
        expect(calls, 'dispatched subjects, in order').toEqual(plan.dispatched)
        expect(result.revokedTokens).toEqual(plan.revoked)
        // An unsupported subject is never dispatched, but may die by a documented cascade.
        for (const subject of unsupported)
          expect(result.subjects[subject]).toBe(plan.revoked.includes(subject) ? 'revoked' : 'unsupported')
        expectNoLeaks(run, result, logger.text(), events)
      } finally {
        await engine.close()
      }
    })

    it.each(supported)('through the engine, %s held alone is dispatched once', async (subject) => {
      const run = suite.run()
      run.cassette(options.cassettes.revoked, subject)
      const { engine, calls } = run.engine()
      try {
        const account = await createAccount(run, engine, [subject])
        const result = await engine.revoke(account.id)
        expect(calls).toEqual([subject])
        expect(result.revokedTokens).toEqual([subject])
      } finally {
        await engine.close()
      }
    })

    if (unsupported.length) {
      it.each(unsupported)(
        'through the engine, %s (declared unsupported) is never dispatched',
        async (subject) => {
          const run = suite.run()
          const { engine, calls } = run.engine()
          try {
            const account = await createAccount(run, engine, [subject])
            const error = await rejection(engine.revoke(account.id))
            expect(isRevokitError(error) && error.status, 'nothing revokable: 400').toBe(400)
            expect(calls).toEqual([])
          } finally {
            await engine.close()
          }
        },
      )
    }
  })
}
