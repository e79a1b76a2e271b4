// The callback's answers to the browser: the redirect carries only what we put in it, the page
// escapes what it shows, and a failure goes back to the app only when the engine names where.
import { RevokitError } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import { errorPage, failureTarget, page, providerErrorCode, redirectTo } from './callback'

describe('the authorization callback’s answers', () => {
  it('redirects with 303, keeps the app’s own query, sets ours, and is never cached nor a referrer', () => {
    const response = redirectTo('https://app.example.com/done?tab=2&status=stale', {
      status: 'success',
      connected_account_id: 'ca_1a2b3c4d5e6f',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(
      'https://app.example.com/done?tab=2&status=success&connected_account_id=ca_1a2b3c4d5e6f',
    )
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('passes on only plain OAuth error codes from the query', () => {
    expect(providerErrorCode(new URLSearchParams('error=access_denied'))).toBe('access_denied')
    expect(providerErrorCode(new URLSearchParams('error=%3Cscript%3E'))).toBeUndefined()
    expect(providerErrorCode(new URLSearchParams(`error=${'a'.repeat(65)}`))).toBeUndefined()
    expect(providerErrorCode(new URLSearchParams('code=x'))).toBeUndefined()
  })

  it('escapes what a page shows and runs no script', async () => {
    const response = page(400, 'a <b>title</b>', ['"quoted" & <img src=x onerror=alert(1)>'], 'req_<1>')
    const html = await response.text()
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<b>')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(html).not.toMatch(/<script/i)
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })

  it('an error page passes its texts through the redactor', async () => {
    const error = new RevokitError('authorization_failed', {
      message: 'The provider answered with fake-configured-secret-1.',
      suggestedFix: 'Start again.',
    })
    const html = await errorPage(error, 'req_1', (text) =>
      text.replaceAll('fake-configured-secret-1', '[redacted]'),
    ).text()
    expect(html).not.toContain('fake-configured-secret-1')
    expect(html).toContain('[redacted]')
  })

  it('goes back to the app after a failure only when the error carries an absolute callback URL', () => {
    const plain = new RevokitError('authorization_failed', {
      message: 'x',
      suggestedFix: 'y',
      errors: ['connected_account_id: ca_1a2b3c4d5e6f'],
    })
    expect(failureTarget(plain)).toBeUndefined()
    const carried = Object.assign(plain, {
      callbackUrl: 'https://app.example.com/done',
      connectedAccountId: 'ca_1a2b3c4d5e6f',
    })
    expect(failureTarget(carried)).toEqual({
      callbackUrl: 'https://app.example.com/done',
      accountId: 'ca_1a2b3c4d5e6f',
    })
    expect(
      failureTarget(
        Object.assign(new RevokitError('invalid_state', { message: 'x', suggestedFix: 'y' }), {
          callbackUrl: '/relative',
        }),
      ),
    ).toBeUndefined()
  })
})
