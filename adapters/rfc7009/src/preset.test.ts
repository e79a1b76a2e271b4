import { isAdapterDefinition, type RevokitError } from '@revokit/core'
import { type AdapterContractOptions, describeRevocationAdapter } from '@revokit/testing'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { canary, dispatcher } from '../test/helpers'
import { rfc7009Preset } from './preset'

// The README's example: a tenant-domain provider, declared rather than coded.
const acme = rfc7009Preset({
  name: 'acme-id',
  title: 'Acme',
  options: {
    domain: z
      .string({ error: 'is required: your Acme tenant host, such as tenant.acme.example' })
      .regex(/^[a-z0-9.-]+$/, 'must be a host name such as tenant.acme.example'),
  },
  revocationEndpoint: ({ domain }) => `https://${domain}/oauth2/revoke`,
  authMethod: 'client_secret_basic',
  cascades: { refresh_token: ['access_token'] },
  alreadyRevokedErrors: ['invalid_token'],
  docsUrl: 'https://docs.acme.example/oauth/revoke',
})

const formEncode = (value: string) => new URLSearchParams([['v', value]]).toString().slice(2)

const contract: AdapterContractOptions = {
  provider: 'rfc7009',
  name: 'preset acme-id',
  origin: 'https://as.example.test',
  vars: { client_id: 'fake-preset-client' },
  secrets: ['client_secret'],
  create: ({ origin, vars }) =>
    acme({
      domain: 'as.example.test',
      revocationEndpoint: `${origin}/oauth2/revoke`,
      clientId: vars.client_id as string,
      clientSecret: vars.client_secret as string,
    }),
  cascades: { refresh_token: ['access_token'] },
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
    alreadyRevoked: 'invalid-token-400.cassette.json',
    serverError: ['service-unavailable.cassette.json', 'server-error.cassette.json'],
    rateLimited: 'rate-limited.cassette.json',
    unsupported: 'unsupported-token-type.cassette.json',
    malformed: [
      { cassette: 'malformed-200.cassette.json', outcome: 'revoked' },
      { cassette: 'malformed-400.cassette.json', outcome: 'failed', retryable: false },
    ],
    empty: { cassette: 'empty.cassette.json', outcome: 'revoked' },
  },
}

describeRevocationAdapter(contract)

describe('rfc7009Preset', () => {
  const AS = 'https://tenant.acme.example'
  const d = dispatcher({ maxAttempts: 1 })
  beforeAll(() => nock.disableNetConnect())
  afterEach(async () => {
    const pending = nock.pendingMocks()
    nock.cleanAll()
    await d.close()
    expect(pending, 'every interceptor was used').toEqual([])
  })
  afterAll(() => nock.enableNetConnect())

  const valid = { domain: 'tenant.acme.example', clientId: 'fake-client', clientSecret: 'fake-secret-1' }

  function optionError(options: unknown): RevokitError {
    try {
      acme(options as never)
    } catch (error) {
      return error as RevokitError
    }
    throw new Error('expected the options to be refused')
  }

  it('derives the endpoint from its options and declares what the provider documents', async () => {
    const adapter = acme(valid)
    expect(adapter).toMatchObject({
      toolkit: 'acme-id',
      supportsAccess: true,
      supportsRefresh: true,
      cascades: { refresh_token: ['access_token'] },
      docsUrl: 'https://docs.acme.example/oauth/revoke',
    })
    const scope = nock(AS).post('/oauth2/revoke', 'token=fake-at-1&token_type_hint=access_token').reply(200)
    expect(await d.revoke(adapter, 'access_token', 'fake-at-1')).toMatchObject({ type: 'revoked' })
    expect(scope.isDone()).toBe(true)
  })

  it('a declared already-revoked error counts only in a 400, with the provider named', async () => {
    nock(AS).post('/oauth2/revoke').reply(400, { error: 'invalid_token', error_description: 'expired' })
    expect(await d.revoke(acme(valid), 'access_token', 'fake-at-2')).toMatchObject({
      type: 'already_revoked',
      detail: 'Acme answered invalid_token (expired)',
    })
    nock(AS).post('/oauth2/revoke').reply(401, { error: 'invalid_token' })
    expect(await d.revoke(acme(valid), 'access_token', 'fake-at-3')).toMatchObject({
      type: 'failed',
      retryable: false,
      status: 401,
    })
  })

  it('without the quirk, 400 invalid_token stays a failure, as the generic adapter says', async () => {
    const plain = rfc7009Preset({
      name: 'plain',
      revocationEndpoint: `${AS}/oauth2/revoke`,
      authMethod: 'client_secret_post',
      docsUrl: 'https://docs.acme.example/oauth/revoke',
    })
    nock(AS).post('/oauth2/revoke').reply(400, { error: 'invalid_token' })
    const outcome = await d.revoke(
      plain({ clientId: 'fake-client', clientSecret: 'fake-secret-2' }),
      'access_token',
      'fake-at-4',
    )
    expect(outcome).toMatchObject({ type: 'failed', retryable: false, status: 400 })
  })

  it('anonymous with the hint omitted sends the token and nothing else', async () => {
    const bare = rfc7009Preset({
      name: 'bare',
      revocationEndpoint: `${AS}/revoke`,
      authMethod: 'anonymous',
      tokenTypeHint: 'omit',
      subjects: { refresh: false },
      docsUrl: 'https://docs.acme.example/oauth/revoke',
    })
    const adapter = bare()
    expect(adapter).toMatchObject({ toolkit: 'bare', supportsAccess: true, supportsRefresh: false })
    // No client authentication of any kind: an authorization header does not match.
    const scope = nock(AS, { badheaders: ['authorization'] })
      .post('/revoke', 'token=fake-at-5')
      .reply(200, '')
    expect(await d.revoke(adapter, 'access_token', 'fake-at-5')).toMatchObject({ type: 'revoked' })
    expect(scope.isDone()).toBe(true)
    expect(() => bare({ clientId: 'x' } as never)).toThrow(/unknown option clientId/)
  })

  it('an issuer preset discovers the endpoint from the metadata', async () => {
    const disco = rfc7009Preset({
      name: 'disco',
      issuer: AS,
      authMethod: 'none',
      docsUrl: 'https://docs.acme.example/oauth/revoke',
    })
    nock(AS)
      .get('/.well-known/oauth-authorization-server')
      .reply(200, { issuer: AS, revocation_endpoint: `${AS}/oauth2/v2/revoke` })
      .post('/oauth2/v2/revoke', 'token=fake-rt-1&token_type_hint=refresh_token&client_id=fake-client')
      .reply(200)
    expect(await d.revoke(disco({ clientId: 'fake-client' }), 'refresh_token', 'fake-rt-1')).toMatchObject({
      type: 'revoked',
    })
  })

  it.each([
    [
      { ...valid, clientSecret: undefined },
      'clientSecret: is required: Acme authenticates the client with client_secret_basic',
    ],
    [{ ...valid, clientId: undefined }, 'clientId: is required: the OAuth client id'],
    [{ ...valid, domain: undefined }, 'domain: is required: your Acme tenant host'],
    [{ ...valid, domain: 'Not A Host/' }, 'domain: must be a host name'],
    [{ ...valid, toolkit: 'Acme' }, 'toolkit: must be a lowercase slug such as "acme-id"'],
    [
      { ...valid, revocationEndpoint: 'http://tenant.acme.example/revoke' },
      'revocationEndpoint must use https://',
    ],
    [{ ...valid, client_secret: 'fake-misplaced' }, 'options: unknown option client_secret'],
  ])('refuses %j naming the option', (options, expected) => {
    const error = optionError(options)
    expect(error).toMatchObject({ status: 400, slug: 'invalid_config' })
    expect(error.errors).toContainEqual(expect.stringContaining(expected))
    expect(error.message).toMatch(/^acme-id\(\): invalid options: /)
  })

  it('never echoes the client secret in an options error', () => {
    const secret = canary('preset-secret')
    const error = optionError({ ...valid, clientSecret: secret, domain: 7 })
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret)
  })

  it('yields the adapter definition the server builds it from', () => {
    const { definition } = acme
    expect(isAdapterDefinition(definition)).toBe(true)
    expect(definition).toMatchObject({
      name: 'acme-id',
      secrets: ['clientSecret'],
      endpoints: ['revocationEndpoint'],
      docsUrl: 'https://docs.acme.example/oauth/revoke',
    })
    expect(definition.options.safeParse(valid).success).toBe(true)
    const refused = definition.options.safeParse({ ...valid, domain: undefined })
    expect(refused.success || refused.error.issues.map((i) => i.path.join('.'))).toEqual(['domain'])
    expect(definition.create(valid)).toMatchObject({
      toolkit: 'acme-id',
      cascades: { refresh_token: ['access_token'] },
    })
  })

  it('refuses a declaration with both or neither of revocationEndpoint and issuer', () => {
    const base = { name: 'bad', authMethod: 'none', docsUrl: 'https://docs.acme.example' } as const
    expect(() => rfc7009Preset(base)).toThrow(/exactly one of revocationEndpoint and issuer/)
    expect(() => rfc7009Preset({ ...base, issuer: AS, revocationEndpoint: `${AS}/revoke` })).toThrow(
      TypeError,
    )
  })
})
