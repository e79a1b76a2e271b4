import { describe, expect, it, vi } from 'vitest'
import { ERROR_CATALOG, isRevokitError, RevokitError, toRevokitError } from './errors'

describe('RevokitError', () => {
  it('serialises to the wire envelope', () => {
    const error = new RevokitError('revoke_not_supported', {
      message: 'Revoke is not supported for this toolkit.',
      suggestedFix: 'Use another toolkit.',
      errors: ['detail one'],
      requestId: 'req_1',
    })
    expect(error.toJSON()).toEqual({
      error: {
        message: 'Revoke is not supported for this toolkit.',
        code: 1003,
        slug: 'revoke_not_supported',
        status: 400,
        request_id: 'req_1',
        suggested_fix: 'Use another toolkit.',
        errors: ['detail one'],
      },
    })
    expect(error.toEnvelope('req_2').error.request_id).toBe('req_2')
    expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON())
  })

  it('has a stable, unique numeric code per slug', () => {
    const codes = Object.values(ERROR_CATALOG).map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    // Published codes never change meaning; this pins them.
    expect(ERROR_CATALOG.connected_account_not_found).toEqual({ status: 404, code: 1200 })
    expect(ERROR_CATALOG.connected_account_not_revokable).toEqual({ status: 409, code: 1300 })
    expect(ERROR_CATALOG.revoke_failed).toEqual({ status: 500, code: 1501 })
  })

  it('takes an error kind from outside the catalogue (an HTTP layer’s own) with the same envelope', () => {
    const kind = { slug: 'payload_too_large', status: 413, code: 1400 }
    const error = new RevokitError(kind, { message: 'Too big.', suggestedFix: 'Send less.' })
    expect(error).toMatchObject({ slug: 'payload_too_large', status: 413, code: 1400 })
    expect(error.toEnvelope('req_3').error).toEqual({
      message: 'Too big.',
      code: 1400,
      slug: 'payload_too_large',
      status: 413,
      request_id: 'req_3',
      suggested_fix: 'Send less.',
      errors: [],
    })
    expect(isRevokitError(error)).toBe(true)
  })

  it('redacts secrets a provider echoed into the message, fix and details', () => {
    const error = new RevokitError('revoke_failed', {
      message: 'provider said: {"access_token":"fake-echoed-1"}',
      suggestedFix: 'retry with Authorization: Bearer fake-echoed-2',
      errors: ['token=fake-echoed-3'],
    })
    expect(JSON.stringify(error.toJSON())).not.toMatch(/fake-echoed/)
  })

  it('keeps the cause out of enumerable properties, so serialising never walks into it', () => {
    const cause = { response: { headers: { authorization: 'Bearer fake-cause-1' } } }
    const error = new RevokitError('internal_error', { message: 'x', suggestedFix: 'y', cause })
    expect(error.cause).toBe(cause)
    expect(Object.keys(error)).not.toContain('cause')
    expect(JSON.stringify(error)).not.toContain('fake-cause-1')
  })

  it('instanceof works across two copies of the module (duplicate installs)', async () => {
    vi.resetModules()
    const copyA = await import('./errors')
    vi.resetModules()
    const copyB = await import('./errors')
    expect(copyA.RevokitError).not.toBe(copyB.RevokitError)
    const fromA = new copyA.RevokitError(
      { slug: 'route_not_found', status: 404, code: 1201 },
      { message: 'm', suggestedFix: 'f' },
    )
    expect(fromA instanceof copyB.RevokitError).toBe(true)
    expect(copyB.isRevokitError(fromA)).toBe(true)
    expect(new Error('x') instanceof copyB.RevokitError).toBe(false)
  })

  it('toRevokitError hides an unexpected error behind a 500 but keeps it as cause', () => {
    const original = new Error('db password is hunter2')
    const wrapped = toRevokitError(original)
    expect(wrapped).toMatchObject({ status: 500, slug: 'internal_error' })
    expect(wrapped.message).not.toContain('hunter2')
    expect(wrapped.cause).toBe(original)
    expect(isRevokitError(wrapped)).toBe(true)
    const known = new RevokitError('connected_account_not_found', { message: 'm', suggestedFix: 'f' })
    expect(toRevokitError(known)).toBe(known)
  })
})
