import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { type AuditEvent, createEngine, memoryStore, RevokitError } from '@revokit/core'
import { type AdapterContractOptions, describeRevocationAdapter } from '@revokit/testing'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canary, captureLogger, dispatcher, errorText, thrown } from '../test/helpers'
import { type Rfc7009Options, rfc7009 } from './adapter'
import { metadataUrls } from './discovery'
import { DISCOVERY_FAILURE_TTL_MS } from './revoke'

const AS = 'https://as.example.test'
const ENDPOINT = `${AS}/oauth/revoke`
const RFC8414_PATH = '/.well-known/oauth-authorization-server'
const OIDC_PATH = '/.well-known/openid-configuration'
// RFC 6749 §2.3.1 form-encodes id and secret before base64; these hold every character that
// changes under that encoding: ':' (the separator), '%', space (→ '+') and non-ASCII (UTF-8).
const SPECIAL_ID = 'acme client:1'
const SPECIAL_ID_ENCODED = 'acme+client%3A1'
const SPECIAL_SECRET = 's3cr:et% with space ü€'
const SPECIAL_SECRET_ENCODED = 's3cr%3Aet%25+with+space+%C3%BC%E2%82%AC'

interface Seen {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  form: Record<string, string>
}

/** A nock reply function that records the request and answers `status`, `body`, `headers`. */
function recorder() {
  const seen: Seen[] = []
  const answer =
    (status: number, body: string | object = '', headers: Record<string, string> = {}) =>
    async (req: Request) => {
      const text = await req.text()
      seen.push({
        method: req.method,
        url: req.url,
        headers: Object.fromEntries(req.headers),
        body: text,
        form: Object.fromEntries(new URLSearchParams(text)),
      })
      return [status, typeof body === 'string' ? body : JSON.stringify(body), headers]
    }
  return { seen, answer }
}

// nock's types predate its Fetch-Request reply functions (nock 15 intercepts undici through them).
type Reply = Parameters<nock.Interceptor['reply']>[0]
const as = (fn: unknown) => fn as Reply

const d = dispatcher({ maxAttempts: 3 })
const once = dispatcher({ maxAttempts: 1 })

beforeAll(() => nock.disableNetConnect())
afterEach(async () => {
  const pending = nock.pendingMocks()
  nock.cleanAll()
  await d.close()
  await once.close()
  expect(pending, 'every interceptor was used').toEqual([])
})
afterAll(() => nock.enableNetConnect())

function basic(options: Partial<Rfc7009Options> = {}) {
  return rfc7009({
    toolkit: 'acme',
    revocationEndpoint: ENDPOINT,
    clientId: 'acme-client',
    clientSecret: 'fake-secret-1',
    ...options,
  } as Rfc7009Options)
}

describe('rfc7009 options', () => {
  function optionError(options: unknown) {
    try {
      rfc7009(options as Rfc7009Options)
    } catch (error) {
      return error as RevokitError
    }
    throw new Error('expected rfc7009() to throw')
  }

  it('requires exactly one of revocationEndpoint and issuer, naming both', () => {
    for (const [options, got] of [
      [{ toolkit: 'acme', clientId: 'c', clientSecret: 'fake-secret-1' }, 'neither'],
      [
        {
          toolkit: 'acme',
          clientId: 'c',
          clientSecret: 'fake-secret-1',
          issuer: AS,
          revocationEndpoint: ENDPOINT,
        },
        'both',
      ],
    ] as const) {
      const error = optionError(options)
      expect(error).toBeInstanceOf(RevokitError)
      expect(error).toMatchObject({ status: 400, slug: 'invalid_config' })
      expect(error.message).toContain('exactly one of revocationEndpoint and issuer')
      expect(error.message).toContain(got)
    }
  })

  it.each([
    [{ clientId: 'c', revocationEndpoint: ENDPOINT }, 'toolkit: is required'],
    [
      { toolkit: 'Acme Corp', clientId: 'c', revocationEndpoint: ENDPOINT },
      'toolkit: must be a lowercase slug',
    ],
    [{ toolkit: 'acme', revocationEndpoint: ENDPOINT }, 'clientId: is required'],
    [{ toolkit: 'acme', clientId: '', revocationEndpoint: ENDPOINT }, 'clientId: must not be empty'],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: ENDPOINT, authMethod: 'client_secret_basic' },
      'clientSecret: is required when authMethod is client_secret_basic',
    ],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: ENDPOINT, authMethod: 'client_secret_post' },
      'clientSecret: is required when authMethod is client_secret_post',
    ],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: ENDPOINT, authMethod: 'private_key_jwt' },
      'authMethod: must be one of client_secret_basic, client_secret_post, none',
    ],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: 'http://as.example.test/revoke' },
      'revocationEndpoint must use https://',
    ],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: '/revoke' },
      'revocationEndpoint must be an absolute URL',
    ],
    [
      { toolkit: 'acme', clientId: 'c', revocationEndpoint: 'https://user:pw@as.example.test/revoke' },
      'revocationEndpoint must not contain credentials',
    ],
    [{ toolkit: 'acme', clientId: 'c', issuer: 'http://as.example.test' }, 'issuer must use https://'],
    [{ toolkit: 'acme', clientId: 'c', issuer: `${AS}?tenant=1` }, 'issuer must not contain a ?query'],
    [{ toolkit: 'acme', clientId: 'c', issuer: AS, discoveryTtlMs: -1 }, 'discoveryTtlMs: must be positive'],
  ])('names the option: %j', (options, expected) => {
    const error = optionError(options)
    expect(error).toMatchObject({ status: 400, slug: 'invalid_config' })
    expect([error.message, ...error.errors].join('\n')).toContain(expected)
  })

  it('refuses a clientSecret that authMethod none would silently never send', () => {
    const error = optionError({
      toolkit: 'acme',
      clientId: 'c',
      revocationEndpoint: ENDPOINT,
      authMethod: 'none',
      clientSecret: 'fake-secret-1',
    })
    expect(error.errors).toEqual([
      expect.stringContaining('clientSecret: is never sent with authMethod none'),
    ])
  })

  it('names unknown options, such as a snake_case client_secret, without echoing their values', () => {
    const secret = canary('typo-secret')
    const error = optionError({
      toolkit: 'acme',
      clientId: 'c',
      revocationEndpoint: ENDPOINT,
      client_secret: secret,
    })
    expect(error.errors).toContain('options: unknown option client_secret')
    expect(errorText(error)).not.toContain(secret)
  })

  it('never echoes the client secret, whatever else is wrong', () => {
    const secret = canary('options-secret')
    for (const options of [
      { toolkit: 'acme', clientId: 'c', clientSecret: secret },
      { toolkit: 'acme', clientId: 'c', clientSecret: secret, revocationEndpoint: 'http://example.test/r' },
      {
        toolkit: 'acme',
        clientId: 'c',
        clientSecret: secret,
        revocationEndpoint: ENDPOINT,
        authMethod: 'none',
      },
      { toolkit: 'acme', clientId: 7, clientSecret: secret, revocationEndpoint: ENDPOINT },
      { toolkit: 'acme', clientId: 'c', clientSecret: [secret], revocationEndpoint: ENDPOINT },
    ]) {
      const error = optionError(options)
      expect(error.slug).toBe('invalid_config')
      expect(errorText(error)).not.toContain(secret)
    }
  })

  it('keeps the client secret off the adapter object', () => {
    const secret = canary('closure-secret')
    const adapter = basic({ clientSecret: secret })
    expect(JSON.stringify(adapter)).not.toContain(secret)
    expect(inspect(adapter, { depth: 10, showHidden: true, getters: true })).not.toContain(secret)
    expect(adapter).toMatchObject({ toolkit: 'acme', supportsAccess: true, supportsRefresh: true })
    expect(adapter.cascades).toBeUndefined()
  })

  it('gives the engine a redact hook that hides the secret in every encoding it travels in', () => {
    const secret = `${canary('hook-secret')}: 100% (ü)!`
    const adapter = basic({ clientSecret: secret })
    const forms = [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams([['s', secret]]).toString().slice(2),
      Buffer.from(`acme-client:${new URLSearchParams([['s', secret]]).toString().slice(2)}`).toString(
        'base64',
      ),
    ]
    for (const form of forms) expect(adapter.redact?.(`seen ${form} here`)).toBe('seen [REDACTED] here')
    expect(adapter.redact?.('nothing secret here')).toBe('nothing secret here')
  })

  it('accepts plain http only for a loopback endpoint or issuer', () => {
    expect(() => basic({ revocationEndpoint: 'http://127.0.0.1:8080/revoke' })).not.toThrow()
    expect(() => basic({ revocationEndpoint: undefined, issuer: 'http://localhost:8080' })).not.toThrow()
  })
})

describe('rfc7009 request (RFC 7009 §2.1, RFC 6749 §2.3.1)', () => {
  it.each([
    ['refresh_token', 'fake-refresh-1'],
    ['access_token', 'fake-access-1'],
  ] as const)(
    'client_secret_basic: form POST of token and token_type_hint=%s, credentials in a Basic header',
    async (subject, token) => {
      const { seen, answer } = recorder()
      nock(AS)
        .post('/oauth/revoke')
        .reply(as(answer(200)))
      const adapter = basic({
        clientId: SPECIAL_ID,
        clientSecret: SPECIAL_SECRET,
        authMethod: 'client_secret_basic',
      })

      expect(await d.revoke(adapter, subject, token)).toMatchObject({ type: 'revoked' })

      const [req] = seen
      expect(req?.method).toBe('POST')
      expect(req?.url).toBe(ENDPOINT)
      expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded')
      expect(req?.form).toEqual({ token, token_type_hint: subject })
      // The exact bytes: base64 of the form-encoded id, ':', the form-encoded secret.
      expect(req?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${SPECIAL_ID_ENCODED}:${SPECIAL_SECRET_ENCODED}`, 'utf8').toString('base64')}`,
      )
      // …which a server decoding per RFC 6749 §2.3.1 reads back as the registered id and secret.
      const decoded = Buffer.from(req?.headers.authorization?.slice(6) ?? '', 'base64').toString('utf8')
      const [id, secret] = [decoded.slice(0, decoded.indexOf(':')), decoded.slice(decoded.indexOf(':') + 1)]
      const formDecode = (v: string) => decodeURIComponent(v.replaceAll('+', ' '))
      expect([formDecode(id), formDecode(secret)]).toEqual([SPECIAL_ID, SPECIAL_SECRET])
    },
  )

  it('client_secret_post: client_id and client_secret in the form body, no Authorization header', async () => {
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .reply(as(answer(200)))
    const adapter = basic({
      clientId: SPECIAL_ID,
      clientSecret: SPECIAL_SECRET,
      authMethod: 'client_secret_post',
    })

    expect(await d.revoke(adapter, 'refresh_token', 'fake-refresh-2')).toMatchObject({ type: 'revoked' })

    const [req] = seen
    expect(req?.method).toBe('POST')
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(req?.headers.authorization).toBeUndefined()
    expect(req?.form).toEqual({
      token: 'fake-refresh-2',
      token_type_hint: 'refresh_token',
      client_id: SPECIAL_ID,
      client_secret: SPECIAL_SECRET,
    })
    expect(req?.body).toContain(`client_secret=${SPECIAL_SECRET_ENCODED}`)
  })

  it('none: only client_id identifies the client', async () => {
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .reply(as(answer(200)))
    const adapter = basic({ clientSecret: undefined, authMethod: 'none' })

    expect(await d.revoke(adapter, 'access_token', 'fake-access-3')).toMatchObject({ type: 'revoked' })
    expect(seen[0]?.headers.authorization).toBeUndefined()
    expect(seen[0]?.form).toEqual({
      token: 'fake-access-3',
      token_type_hint: 'access_token',
      client_id: 'acme-client',
    })
  })

  it('defaults to client_secret_basic with a secret and to none without one', async () => {
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .times(2)
      .reply(as(answer(200)))

    await d.revoke(basic({ authMethod: undefined }), 'access_token', 'fake-access-4')
    await d.revoke(basic({ authMethod: undefined, clientSecret: undefined }), 'access_token', 'fake-access-5')

    expect(seen[0]?.headers.authorization).toMatch(/^Basic /)
    expect(seen[0]?.form).toEqual({ token: 'fake-access-4', token_type_hint: 'access_token' })
    expect(seen[1]?.headers.authorization).toBeUndefined()
    expect(seen[1]?.form).toEqual({
      token: 'fake-access-5',
      token_type_hint: 'access_token',
      client_id: 'acme-client',
    })
  })

  it('form-encodes a token holding reserved characters', async () => {
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .reply(as(answer(200)))
    const token = 'fake/refresh+6=&x y'
    await d.revoke(basic(), 'refresh_token', token)
    expect(seen[0]?.form.token).toBe(token)
    expect(seen[0]?.body).toContain('token=fake%2Frefresh%2B6%3D%26x+y&')
  })
})

describe('rfc7009 responses (RFC 7009 §2.2, §2.2.1)', () => {
  it.each([
    [200, ''],
    [200, '{}'],
    // §2.2: "The content of the response body is ignored by the client."
    [200, '{"error":"ignored"}'],
    [204, ''],
  ])('HTTP %i %j is revoked, with no cascade', async (status, body) => {
    nock(AS).post('/oauth/revoke').reply(status, body)
    const outcome = await d.revoke(basic(), 'access_token', 'fake-access-7')
    expect(outcome).toEqual({ type: 'revoked', requests: 1 })
  })

  it('400 unsupported_token_type is unsupported', async () => {
    nock(AS).post('/oauth/revoke').reply(400, { error: 'unsupported_token_type' })
    const outcome = await d.revoke(basic(), 'access_token', 'fake-access-8')
    expect(outcome.type).toBe('unsupported')
    expect(outcome).toMatchObject({ detail: expect.stringContaining('does not revoke access_tokens') })
    expect(outcome).toMatchObject({ detail: expect.stringContaining('RFC 7009 §2.2.1') })
  })

  it.each([503, 429])('%i with Retry-After is a retryable failure carrying the wait', async (status) => {
    nock(AS).post('/oauth/revoke').reply(status, { error: 'temporarily_unavailable' }, { 'retry-after': '7' })
    const outcome = await once.revoke(basic(), 'refresh_token', 'fake-refresh-9')
    expect(outcome).toMatchObject({ type: 'failed', retryable: true, status })
    if (outcome.type !== 'failed') throw new Error('unreachable')
    expect(outcome.retryAfterMs).toBeGreaterThan(6000)
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(7000)
    expect(outcome.reason).toContain(`HTTP ${status} temporarily_unavailable`)
  })

  it('a 503 the dispatch retried into a 200 is revoked', async () => {
    nock(AS).post('/oauth/revoke').reply(503, '', { 'retry-after': '0' }).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(basic(), 'refresh_token', 'fake-refresh-10')).toEqual({
      type: 'revoked',
      requests: 2,
    })
  })

  it('a 500 without a body is retryable', async () => {
    nock(AS).post('/oauth/revoke').reply(500, 'oops')
    expect(await once.revoke(basic(), 'refresh_token', 'fake-refresh-11')).toMatchObject({
      type: 'failed',
      retryable: true,
      status: 500,
    })
  })

  it.each([
    [401, { error: 'invalid_client', error_description: 'client authentication failed' }],
    [401, ''],
    [400, { error: 'invalid_client' }],
  ])(
    '%i %j: the client was rejected, not retryable, with a fix naming the credentials',
    async (status, body) => {
      nock(AS).post('/oauth/revoke').reply(status, body)
      const outcome = await d.revoke(basic(), 'refresh_token', 'fake-refresh-12')
      expect(outcome).toMatchObject({ type: 'failed', retryable: false, status, requests: 1 })
      if (outcome.type !== 'failed') throw new Error('unreachable')
      expect(outcome.reason).toContain('rejected the client authentication')
      for (const name of ['clientId', 'clientSecret', 'authMethod'])
        expect(outcome.suggestedFix).toContain(name)
    },
  )

  it('with authMethod none, a rejected client is told to configure a secret', async () => {
    nock(AS).post('/oauth/revoke').reply(401, { error: 'invalid_client' })
    const outcome = await d.revoke(basic({ clientSecret: undefined }), 'refresh_token', 'fake-refresh-13')
    expect(outcome).toMatchObject({
      type: 'failed',
      suggestedFix: expect.stringContaining('set clientSecret'),
    })
  })

  it.each([
    ['invalid_request', 'token belongs to another client', 'RFC 7009 §2.1'],
    ['unauthorized_client', undefined, 'RFC 7009 §2.1'],
    // Google, Salesforce: "RFC 7009-shaped" servers that answer 400 for an invalid token.
    ['invalid_token', 'Token expired or revoked', 'RFC 7009 §2.2 requires HTTP 200'],
    ['slow_down', undefined, 'documentation for the error "slow_down"'],
  ])('400 %s is a non-retryable failure naming the error code', async (error, description, fix) => {
    nock(AS)
      .post('/oauth/revoke')
      .reply(400, { error, ...(description ? { error_description: description } : {}) })
    const outcome = await d.revoke(basic(), 'access_token', 'fake-access-14')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 400 })
    if (outcome.type !== 'failed') throw new Error('unreachable')
    expect(outcome.reason).toContain(`HTTP 400 ${error}`)
    if (description) expect(outcome.reason).toContain(description)
    expect(outcome.suggestedFix).toContain(fix)
  })

  it('a 404 without an OAuth error points at the endpoint option', async () => {
    nock(AS).post('/oauth/revoke').reply(404, '<html>Not Found</html>')
    const outcome = await d.revoke(basic(), 'access_token', 'fake-access-15')
    expect(outcome).toMatchObject({
      type: 'failed',
      retryable: false,
      status: 404,
      reason: expect.stringContaining('without an OAuth error'),
      suggestedFix: expect.stringContaining('revocationEndpoint'),
    })
  })

  it('a redirect is not followed: the transport error reaches the engine', async () => {
    nock(AS).post('/oauth/revoke').reply(302, '', { location: 'https://elsewhere.example.test/revoke' })
    // The adapter lets the TransportError through; the dispatch turns it into a final failure.
    expect(await d.revoke(basic(), 'access_token', 'fake-access-16')).toMatchObject({
      type: 'failed',
      retryable: false,
      reason: expect.stringContaining('does not follow redirects'),
      requests: 1,
    })
  })

  it('keeps the token and the secret out of every outcome, even when the server echoes them', async () => {
    const secret = canary('echo-secret')
    const token = canary('echo-token')
    const echo = `bad client_secret ${secret} for token ${token}`
    const cases: Array<[number, object | string]> = [
      [200, ''],
      [400, { error: 'unsupported_token_type', error_description: echo }],
      [400, { error: 'invalid_request', error_description: echo }],
      [401, { error: 'invalid_client', error_description: echo }],
      [503, { error: 'temporarily_unavailable', error_description: echo }],
      [404, echo],
    ]
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      for (const [status, body] of cases) {
        nock(AS).post('/oauth/revoke').reply(status, body)
        const logger = captureLogger()
        const logged = dispatcher({ logger, maxAttempts: 1 })
        const outcome = await logged.revoke(
          basic({ clientSecret: secret, authMethod: method }),
          'refresh_token',
          token,
        )
        await logged.close()
        const text = JSON.stringify(outcome) + logger.lines.join('\n')
        expect(text).not.toContain(secret)
        expect(text).not.toContain(token)
        expect(text).not.toContain(encodeURIComponent(secret))
      }
    }
  })
})

describe('rfc7009 discovery (RFC 8414 §3, OpenID Connect Discovery §4)', () => {
  const metadata = (overrides: Record<string, unknown> = {}) => ({
    issuer: AS,
    token_endpoint: `${AS}/oauth/token`,
    revocation_endpoint: ENDPOINT,
    ...overrides,
  })
  const viaIssuer = (options: Partial<Rfc7009Options> = {}) =>
    basic({ revocationEndpoint: undefined, issuer: AS, ...options })

  it.each([
    [AS, `${AS}${RFC8414_PATH}`, `${AS}${OIDC_PATH}`],
    [`${AS}/`, `${AS}${RFC8414_PATH}`, `${AS}${OIDC_PATH}`],
    [`${AS}/tenant/a`, `${AS}${RFC8414_PATH}/tenant/a`, `${AS}/tenant/a${OIDC_PATH}`],
    [`${AS}/tenant/a/`, `${AS}${RFC8414_PATH}/tenant/a`, `${AS}/tenant/a${OIDC_PATH}`],
    [
      'http://127.0.0.1:8080/x',
      `http://127.0.0.1:8080${RFC8414_PATH}/x`,
      `http://127.0.0.1:8080/x${OIDC_PATH}`,
    ],
  ])('metadata of %s: RFC 8414 inserts, OIDC appends', (issuer, rfc8414, oidc) => {
    expect(metadataUrls(issuer)).toEqual([rfc8414, oidc])
  })

  it('reads RFC 8414 metadata first and revokes at its revocation_endpoint', async () => {
    nock(AS).get(RFC8414_PATH).reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-20')).toEqual({
      type: 'revoked',
      requests: 2,
    })
  })

  it('finds the metadata of an issuer with a path where RFC 8414 puts it', async () => {
    const issuer = `${AS}/tenant/a`
    nock(AS)
      .get(`${RFC8414_PATH}/tenant/a`)
      .reply(200, metadata({ issuer, revocation_endpoint: `${AS}/tenant/a/revoke` }))
    nock(AS).post('/tenant/a/revoke').reply(200, '')
    expect(await d.revoke(viaIssuer({ issuer }), 'refresh_token', 'fake-refresh-21')).toMatchObject({
      type: 'revoked',
    })
  })

  it('falls back to OpenID Connect discovery when there is no RFC 8414 metadata', async () => {
    nock(AS).get(RFC8414_PATH).reply(404, 'Not Found').get(OIDC_PATH).reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-22')).toEqual({
      type: 'revoked',
      requests: 3,
    })
  })

  it('falls back to OpenID Connect discovery when the RFC 8414 document is for another issuer', async () => {
    nock(AS)
      .get(RFC8414_PATH)
      .reply(200, metadata({ issuer: `${AS}/other` }))
      .get(OIDC_PATH)
      .reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-23')).toMatchObject({ type: 'revoked' })
  })

  it('refuses metadata whose issuer is not the configured issuer (RFC 8414 §3.3)', async () => {
    const evil = metadata({ issuer: 'https://evil.example.test', revocation_endpoint: `${AS}/steal` })
    nock(AS).get(RFC8414_PATH).reply(200, evil).get(OIDC_PATH).reply(200, evil)
    const outcome = await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-24')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false })
    if (outcome.type !== 'failed') throw new Error('unreachable')
    expect(outcome.reason).toContain('"https://evil.example.test"')
    expect(outcome.reason).toContain('RFC 8414 §3.3')
    expect(outcome.suggestedFix).toContain('Set issuer to exactly')
  })

  it('treats a trailing-slash difference as a different issuer', async () => {
    nock(AS).get(RFC8414_PATH).reply(200, metadata()).get(OIDC_PATH).reply(200, metadata())
    const outcome = await d.revoke(viaIssuer({ issuer: `${AS}/` }), 'refresh_token', 'fake-refresh-25')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false })
  })

  it('refuses a revocation_endpoint on another origin: the client secret would go there', async () => {
    nock(AS)
      .get(RFC8414_PATH)
      .reply(200, metadata({ revocation_endpoint: 'https://other.example.test/revoke' }))
      .get(OIDC_PATH)
      .reply(404)
    const outcome = await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-26')
    expect(outcome).toMatchObject({ type: 'failed', retryable: false })
    if (outcome.type !== 'failed') throw new Error('unreachable')
    expect(outcome.reason).toContain('another origin (https://other.example.test)')
    expect(outcome.suggestedFix).toContain('revocationEndpoint')
  })

  it('refuses a plain-http revocation_endpoint for a non-loopback issuer', async () => {
    nock(AS)
      .get(RFC8414_PATH)
      .reply(200, metadata({ revocation_endpoint: 'http://as.example.test/oauth/revoke' }))
      .get(OIDC_PATH)
      .reply(404)
    const outcome = await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-27')
    expect(outcome).toMatchObject({
      type: 'failed',
      retryable: false,
      reason: expect.stringContaining('must use https://'),
    })
  })

  it('accepts plain http on loopback', async () => {
    const issuer = 'http://127.0.0.1:9'
    nock(issuer)
      .get(RFC8414_PATH)
      .reply(200, { issuer, revocation_endpoint: `${issuer}/revoke` })
    nock(issuer).post('/revoke').reply(200, '')
    expect(await d.revoke(viaIssuer({ issuer }), 'access_token', 'fake-access-28')).toMatchObject({
      type: 'revoked',
    })
  })

  it('refuses metadata that is not a JSON object', async () => {
    nock(AS).get(RFC8414_PATH).reply(200, '<html>login</html>').get(OIDC_PATH).reply(200, '[]')
    const outcome = await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-29')
    expect(outcome).toMatchObject({
      type: 'failed',
      retryable: false,
      reason: expect.stringContaining('is not a JSON object'),
    })
  })

  it('metadata without revocation_endpoint: the server offers no revocation, so unsupported', async () => {
    nock(AS)
      .get(RFC8414_PATH)
      .reply(200, metadata({ revocation_endpoint: undefined }))
    const adapter = viaIssuer()
    const outcome = await d.revoke(adapter, 'refresh_token', 'fake-refresh-30')
    expect(outcome).toMatchObject({
      type: 'unsupported',
      detail: expect.stringContaining('publishes no revocation_endpoint'),
    })
    // A valid answer is cached like any other: the second subject asks nobody.
    expect(await d.revoke(adapter, 'access_token', 'fake-access-30')).toMatchObject({ type: 'unsupported' })
  })

  it('fetches the metadata once for many revokes, concurrent ones included', async () => {
    const meta = nock(AS).get(RFC8414_PATH).once().reply(200, metadata())
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .times(8)
      .reply(as(answer(200)))
    const adapter = viaIssuer()

    for (let i = 0; i < 4; i++) await d.revoke(adapter, 'refresh_token', `fake-refresh-31-${i}`)
    await Promise.all([0, 1, 2, 3].map((i) => d.revoke(adapter, 'access_token', `fake-access-31-${i}`)))

    expect(meta.isDone()).toBe(true)
    expect(seen).toHaveLength(8)
  })

  it('fetches the metadata again once the TTL has passed', async () => {
    let now = 1_000_000
    const adapter = viaIssuer({ discoveryTtlMs: 60_000, clock: () => now })
    nock(AS).get(RFC8414_PATH).twice().reply(200, metadata())
    nock(AS).post('/oauth/revoke').times(3).reply(200, '')

    await d.revoke(adapter, 'refresh_token', 'fake-refresh-32')
    now += 59_000
    await d.revoke(adapter, 'refresh_token', 'fake-refresh-33')
    now += 2_000
    await d.revoke(adapter, 'refresh_token', 'fake-refresh-34')
  })

  it('does not cache a failure that may heal (5xx)', async () => {
    nock(AS).get(RFC8414_PATH).reply(503).get(OIDC_PATH).reply(503, '', { 'retry-after': '3' })
    const adapter = viaIssuer()
    const outcome = await once.revoke(adapter, 'refresh_token', 'fake-refresh-35')
    expect(outcome).toMatchObject({ type: 'failed', retryable: true, status: 503 })
    if (outcome.type !== 'failed') throw new Error('unreachable')
    expect(outcome.retryAfterMs).toBeGreaterThan(2000)

    nock(AS).get(RFC8414_PATH).reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(adapter, 'refresh_token', 'fake-refresh-36')).toMatchObject({ type: 'revoked' })
  })

  it('remembers a failure that cannot heal only briefly', async () => {
    let now = 1_000_000
    const adapter = viaIssuer({ clock: () => now })
    nock(AS).get(RFC8414_PATH).reply(404).get(OIDC_PATH).reply(404)
    const first = await d.revoke(adapter, 'refresh_token', 'fake-refresh-37')
    expect(first).toMatchObject({ type: 'failed', retryable: false, status: 404 })
    if (first.type !== 'failed') throw new Error('unreachable')
    expect(first.suggestedFix).toContain(`${AS}${RFC8414_PATH}`)

    // No interceptor: a request now would fail with a network error, not this answer.
    expect(await d.revoke(adapter, 'refresh_token', 'fake-refresh-38')).toMatchObject({
      type: 'failed',
      retryable: false,
      requests: 0,
    })

    now += DISCOVERY_FAILURE_TTL_MS + 1
    nock(AS).get(RFC8414_PATH).reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(200, '')
    expect(await d.revoke(adapter, 'refresh_token', 'fake-refresh-39')).toMatchObject({ type: 'revoked' })
  })

  it('a 503 after discovery is retried by the dispatch with the metadata it already found', async () => {
    nock(AS).get(RFC8414_PATH).reply(404).get(OIDC_PATH).reply(200, metadata())
    nock(AS).post('/oauth/revoke').reply(503, '', { 'retry-after': '0' }).post('/oauth/revoke').reply(200, '')
    // Two discovery requests and the 503 on the first call; only the revocation on the retry.
    expect(await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-40')).toEqual({
      type: 'revoked',
      requests: 4,
    })
  })

  it('names the advertised auth methods when the client is rejected', async () => {
    nock(AS)
      .get(RFC8414_PATH)
      .reply(200, metadata({ revocation_endpoint_auth_methods_supported: ['client_secret_post'] }))
    nock(AS).post('/oauth/revoke').reply(401, { error: 'invalid_client' })
    const outcome = await d.revoke(viaIssuer(), 'refresh_token', 'fake-refresh-41')
    expect(outcome).toMatchObject({
      type: 'failed',
      suggestedFix: expect.stringContaining('revocation_endpoint_auth_methods_supported: client_secret_post'),
    })
  })
})

describe('rfc7009 through the engine', () => {
  async function engineWith(options: Partial<Rfc7009Options> = {}) {
    const logger = captureLogger()
    const events: AuditEvent[] = []
    const engine = createEngine({
      store: memoryStore(),
      adapters: [basic(options)],
      logger,
      onEvent: (e) => events.push(e),
      backoff: { baseMs: 5, maxMs: 10 },
    })
    return { engine, logger, events }
  }

  it('dispatches both subjects, refresh first: no cascade is assumed', async () => {
    const { seen, answer } = recorder()
    nock(AS)
      .post('/oauth/revoke')
      .twice()
      .reply(as(answer(200)))
    const { engine } = await engineWith()
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: 'fake-access-50', refresh_token: 'fake-refresh-50' },
    })

    const result = await engine.revoke(account.id)

    expect(result).toMatchObject({
      revokedTokens: ['access_token', 'refresh_token'],
      connectedAccount: { id: account.id, status: 'REVOKED' },
      subjects: { access_token: 'revoked', refresh_token: 'revoked' },
    })
    expect(seen.map((r) => r.form)).toEqual([
      { token: 'fake-refresh-50', token_type_hint: 'refresh_token' },
      { token: 'fake-access-50', token_type_hint: 'access_token' },
    ])
    await engine.close()
  })

  it('metadata without revocation_endpoint: 400 revoke_not_supported with a fix', async () => {
    nock(AS).get(RFC8414_PATH).reply(200, { issuer: AS })
    const { engine } = await engineWith({ revocationEndpoint: undefined, issuer: AS })
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: 'fake-access-51', refresh_token: 'fake-refresh-51' },
    })
    const error = await thrown(engine.revoke(account.id))
    expect(error).toBeInstanceOf(RevokitError)
    expect(error).toMatchObject({ status: 400, slug: 'revoke_not_supported' })
    expect((error as unknown as RevokitError).suggestedFix).toContain('does not revoke these tokens')
    expect(JSON.stringify((error as unknown as RevokitError).errors)).toContain(
      'publishes no revocation_endpoint',
    )
    expect((await engine.get(account.id)).status).toBe('ACTIVE')
    await engine.close()
  })

  it('a rejected client: 500, the account stays ACTIVE, and no secret or token leaks anywhere', async () => {
    const secret = canary('engine-secret')
    const access = canary('engine-access')
    const refresh = canary('engine-refresh')
    nock(AS)
      .post('/oauth/revoke')
      .twice()
      .reply(401, { error: 'invalid_client', error_description: `wrong secret ${secret}` })
    const { engine, logger, events } = await engineWith({ clientSecret: secret })
    const account = await engine.create({
      userId: 'u1',
      toolkit: 'acme',
      credentials: { access_token: access, refresh_token: refresh },
    })

    const error = await thrown(engine.revoke(account.id))

    expect(error).toBeInstanceOf(RevokitError)
    expect(error).toMatchObject({ status: 500, slug: 'revoke_failed' })
    expect((error as unknown as RevokitError).suggestedFix).toContain('clientSecret')
    expect((await engine.get(account.id)).status).toBe('ACTIVE')
    const seenByCaller = [errorText(error), logger.lines.join('\n'), JSON.stringify(events)].join('\n')
    for (const value of [secret, access, refresh, encodeURIComponent(secret)]) {
      expect(seenByCaller).not.toContain(value)
    }
    expect(logger.lines.length).toBeGreaterThan(0)
    await engine.close()
  })
})

interface Cassette {
  adapter: Pick<Rfc7009Options, 'revocationEndpoint' | 'clientId' | 'clientSecret' | 'authMethod'>
  interactions: Array<{
    name: string
    subject: 'access_token' | 'refresh_token'
    token: string
    request: { method: string; path: string; headers: Record<string, string>; body: string }
    response: { status: number; headers: Record<string, string>; body: string }
    outcome: Record<string, unknown>
  }>
}

describe('rfc7009 cassette: the RFC 7009 examples, byte for byte', () => {
  const cassette = JSON.parse(
    readFileSync(new URL('../test/fixtures/rfc7009-examples.json', import.meta.url), 'utf8'),
  ) as Cassette
  const origin = new URL(cassette.adapter.revocationEndpoint as string).origin

  it.each(cassette.interactions.map((i) => [i.name, i] as const))('%s', async (_name, interaction) => {
    let scope = nock(origin)
    for (const [name, value] of Object.entries(interaction.request.headers))
      scope = scope.matchHeader(name, value)
    scope
      .intercept(interaction.request.path, interaction.request.method, interaction.request.body)
      .reply(interaction.response.status, interaction.response.body, interaction.response.headers)
    const outcome = await once.revoke(
      rfc7009({ toolkit: 'acme', ...cassette.adapter }),
      interaction.subject,
      interaction.token,
    )
    expect(outcome).toMatchObject(interaction.outcome)
  })
})

// The shared adapter contract, on an explicit endpoint with client_secret_basic.
const formEncode = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)
const contract: AdapterContractOptions = {
  provider: 'rfc7009',
  origin: 'https://as.example.test',
  vars: { client_id: 'fake-rfc7009-client' },
  secrets: ['client_secret'],
  create: ({ origin, vars }) =>
    rfc7009({
      toolkit: 'acme',
      revocationEndpoint: `${origin}/oauth2/revoke`,
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
    }),
  // RFC 7009 §2.1: the server SHOULD (not MUST) revoke a refresh token's access tokens, so none
  // is assumed: the engine dispatches both.
  request: ({ subject, token, origin, vars }) => ({
    method: 'POST',
    url: `${origin}/oauth2/revoke`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(
        `${formEncode(vars.client_id as string)}:${formEncode(vars.client_secret as string)}`,
      ).toString('base64')}`,
    },
    body: `token=${encodeURIComponent(token)}&token_type_hint=${subject}`,
  }),
  cassetteDir: new URL('../cassettes/', import.meta.url),
  cassettes: {
    revoked: 'revoked.cassette.json',
    serverError: ['service-unavailable.cassette.json', 'server-error.cassette.json'],
    rateLimited: 'rate-limited.cassette.json',
    unsupported: 'unsupported-token-type.cassette.json',
    malformed: [
      { cassette: 'malformed-200.cassette.json', outcome: 'revoked' },
      { cassette: 'malformed-400.cassette.json', outcome: 'failed', retryable: false },
    ],
    empty: { cassette: 'empty.cassette.json', outcome: 'revoked' },
  },
  skip: {
    'already-revoked':
      'RFC 7009 §2.2: a server answers 200 for an invalid, expired or revoked token too, so there is no distinct already-revoked answer to classify; such a token is reported revoked.',
  },
  record: {
    originEnv: 'RFC7009_RECORD_ORIGIN',
    env: {
      token: 'RFC7009_RECORD_TOKEN',
      client_id: 'RFC7009_CLIENT_ID',
      client_secret: 'RFC7009_CLIENT_SECRET',
    },
    subject: 'refresh_token',
  },
}

describeRevocationAdapter(contract)
