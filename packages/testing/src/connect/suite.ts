import { authorizationUrl, createEngine, type GrantResult, memoryStore, pkcePair } from '@revokit/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureLogger } from '../capture-logger'
import { cassetteSchema, readCassette } from '../cassette'
import { type FaultServer, resettingServer } from '../contract/faults'
import { retryAfterSeconds } from '../contract/suite'
import { allowLoopback, useNock } from '../nock'
import { cassettePath, exposedText } from '../run'
import {
  type ConnectorCase,
  type ConnectorContractOptions,
  type TokenCassette,
  validateConnectorOptions,
} from './options'
import { type ConnectRun, createConnectRun, fillExpected, KIT_REDIRECT_URI, KIT_STATE } from './run'

type GrantError = Extract<GrantResult, { type: 'error' }>

const said = (result: GrantResult) =>
  result.type === 'tokens'
    ? `tokens with fields ${Object.keys(result.credentials).sort().join(', ')}`
    : `error ${result.error} (dead ${result.dead}, retryable ${result.retryable}, status ${result.status})`

/**
 * Registers the connect contract of an adapter's `connect` as vitest suites: the authorization
 * URL, the code exchange and the refresh grant, each through core's own `authorizationUrl`,
 * `exchangeCode` and `refreshGrant` (oauth4webapi on revokit's undici transport), with the
 * provider's answers served by nock from cassettes and every other host unreachable. A refresh is
 * also run through a real engine, to show what the account ends up holding.
 *
 * What it holds a connector to: success answers become exactly the documented credentials
 * (nested tokens kept, `expires_in` made absolute); a rotated refresh token is stored, and an
 * answer without one leaves the caller's in place; the provider's error shapes (also those in an
 * HTTP 200) are errors with the provider's code, dead exactly when the grant is; 5xx, 429 and
 * network failures are retryable and never dead; the token request carries exactly the
 * documented URL, headers and form; and no token, code, verifier or client secret appears in any
 * error, log line or event, or on the adapter object itself.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3 (code exchange)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6 (refresh grant)
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2 (error answers)
 */
export function describeConnector(options: ConnectorContractOptions): void {
  validateConnectorOptions(options)
  const title = `${options.provider} connector contract${options.name ? ` (${options.name})` : ''}`
  const { cassettes } = options
  const runs: ConnectRun[] = []
  const run = () => {
    const r = createConnectRun(options)
    runs.push(r)
    return r
  }
  const contractCase = (name: ConnectorCase, body: () => void) => {
    const reason = options.skip?.[name]
    if (reason) {
      console.warn(`[@revokit/testing] ${title}: skipping "${name}": ${reason}`)
      it.skip(`${name}: skipped: ${reason}`, () => {})
      return
    }
    describe(name, body)
  }

  describe(title, () => {
    useNock()
    afterEach(async () => {
      for (const r of runs.splice(0)) await r.close()
    })

    contractCase('cassettes', () => {
      const files = [
        cassettes.discovery,
        cassettes.exchange.cassette,
        cassettes.refresh?.cassette,
        cassettes.refreshKeeps?.cassette,
        ...cassettes.errors.map((e) => e.cassette),
        ...cassettes.serverError,
        ...cassettes.rateLimited,
      ].filter((f): f is string => f !== undefined)
      it.each(files)('%s is a valid cassette that cites its documentation', (file) => {
        const cassette = readCassette(cassettePath(options.cassetteDir, file))
        expect(cassetteSchema.safeParse(cassette).success).toBe(true)
        expect(cassette.meta.source).toMatch(/^https:\/\//)
      })
    })

    contractCase('authorization-url', () => {
      it('sends the user to the documented endpoint with exactly the documented parameters', async () => {
        const r = run()
        const endpoints = await r.endpoints()
        const { challenge } = await pkcePair()
        const pkce = r.connector.pkce !== false
        expect(pkce, 'PKCE').toBe(options.authorization.pkce)
        const url = authorizationUrl(r.connector, endpoints, {
          redirectUri: options.redirectUri ?? KIT_REDIRECT_URI,
          state: KIT_STATE,
          codeChallenge: pkce ? challenge : null,
          scopes: r.connector.scopes,
        })
        expect(`${url.origin}${url.pathname}`).toBe(options.authorization.url)
        expect(Object.fromEntries(url.searchParams)).toEqual({
          response_type: 'code',
          client_id: r.connector.clientId,
          redirect_uri: options.redirectUri ?? KIT_REDIRECT_URI,
          state: KIT_STATE,
          ...(pkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
          ...(fillExpected(options.authorization.params, r.vars) as Record<string, string>),
        })
      })
    })

    /** Runs one success answer and checks the credentials and the request that fetched them. */
    const success = async (
      r: ConnectRun,
      expected: TokenCassette,
      grant: 'authorization_code' | 'refresh_token',
    ) => {
      const mounted = r.cassette(expected.cassette)
      const result = grant === 'authorization_code' ? await r.exchange() : await r.refresh()
      expect(result.type, said(result)).toBe('tokens')
      if (result.type !== 'tokens') return result
      expect(result.credentials).toEqual(fillExpected(expected.credentials, r.vars))
      const request = mounted.requests.at(-1)
      expect(request, 'the token request').toBeDefined()
      const wanted = options.tokenRequest({ grant, vars: r.vars })
      expect(request?.method).toBe('POST')
      expect(request?.url).toBe(wanted.url)
      expect(Object.fromEntries(new URLSearchParams(request?.body ?? ''))).toEqual(wanted.form)
      const headers = request?.headers ?? {}
      for (const [name, value] of Object.entries(wanted.headers ?? {}))
        expect(headers[name.toLowerCase()], `header ${name}`).toBe(value)
      const listed = Object.keys(wanted.headers ?? {}).map((n) => n.toLowerCase())
      if (!listed.includes('authorization'))
        expect(headers.authorization, 'authorization header').toBeUndefined()
      return result
    }

    contractCase('exchange', () => {
      it('the code exchange answers the documented credentials, from the documented request', async () => {
        await success(run(), cassettes.exchange, 'authorization_code')
      })
    })

    if (cassettes.refresh) {
      const rotates = cassettes.refresh
      contractCase('refresh-rotation', () => {
        it('a refresh that rotates answers the new refresh token, from the documented request', async () => {
          const r = run()
          const result = await success(r, rotates, 'refresh_token')
          if (result.type === 'tokens')
            expect(result.credentials.refresh_token).toBe(r.vars.new_refresh_token)
        })
      })
    }

    if (cassettes.refreshKeeps) {
      const keeps = cassettes.refreshKeeps
      contractCase('refresh-keeps', () => {
        it('a refresh answering no refresh token answers none, so the caller keeps its own', async () => {
          const r = run()
          const result = await success(r, keeps, 'refresh_token')
          if (result.type === 'tokens') expect(result.credentials).not.toHaveProperty('refresh_token')
        })
      })
    }

    contractCase('engine-refresh', () => {
      const cases = [
        ...(cassettes.refresh ? [['rotated', cassettes.refresh, 'new_refresh_token']] : []),
        ...(cassettes.refreshKeeps ? [['kept', cassettes.refreshKeeps, 'refresh_token']] : []),
      ] as Array<[string, TokenCassette, string]>
      it.each(cases)(
        'an engine refreshing an expired account stores the new access token; the refresh token is %s',
        async (_how, answer, held) => {
          const r = run()
          if (cassettes.discovery) r.cassette(cassettes.discovery)
          r.cassette(answer.cassette)
          const logger = captureLogger()
          const events: unknown[] = []
          const engine = createEngine({
            store: memoryStore(),
            adapters: [r.base.adapter],
            logger,
            onEvent: (event) => events.push(event),
          })
          try {
            const account = await engine.create({
              userId: 'kit-user',
              status: 'ACTIVE',
              toolkit: r.base.adapter.toolkit,
              credentials: {
                access_token: r.vars.access_token as string,
                refresh_token: r.vars.refresh_token as string,
                token_type: 'Bearer',
                expires_at: new Date(Date.now() - 60_000).toISOString(),
              },
            })
            const fresh = await engine.credentials(account.id)
            const expected = fillExpected(answer.credentials, r.vars) as Record<string, unknown>
            expect(fresh.val.access_token).toBe(expected.access_token)
            expect(fresh.val.refresh_token).toBe(r.vars[held])
            expect(r.leaks(logger.text(), events)).toEqual([])
          } finally {
            await engine.close()
          }
        },
      )
    })

    const errorCase = (result: GrantResult) => {
      expect(result.type, said(result)).toBe('error')
      return result as GrantError
    }

    contractCase('provider-errors', () => {
      it.each(cassettes.errors.map((e) => [e.cassette, e] as const))(
        '%s is read as the provider error it is, dead exactly when the grant is',
        async (_file, expected) => {
          const r = run()
          r.cassette(expected.cassette)
          const result = errorCase(
            expected.grant === 'authorization_code' ? await r.exchange() : await r.refresh(),
          )
          expect({ error: result.error, dead: result.dead, retryable: result.retryable }).toEqual({
            error: expected.error,
            dead: expected.dead,
            retryable: expected.retryable,
          })
          expect(r.leaks(result)).toEqual([])
        },
      )
    })

    const transient = (name: 'server-error' | 'rate-limited', files: readonly string[]) =>
      contractCase(name, () => {
        const grid = files.flatMap((f) =>
          (['authorization_code', 'refresh_token'] as const).map((g) => [f, g] as const),
        )
        it.each(grid)(
          '%s for %s is retryable, never dead, with the status and Retry-After',
          async (file, grant) => {
            const r = run()
            r.cassette(file)
            const result = errorCase(grant === 'authorization_code' ? await r.exchange() : await r.refresh())
            const cassette = readCassette(cassettePath(options.cassetteDir, file))
            expect(result.retryable, 'retryable').toBe(true)
            expect(result.dead, 'dead').toBe(false)
            expect(result.status).toBe(cassette.interactions.at(-1)?.status)
            const seconds = retryAfterSeconds(cassette)
            if (seconds !== undefined) expect(result.retryAfterMs).toBe(seconds * 1000)
            expect(r.leaks(result)).toEqual([])
          },
        )
      })
    transient('server-error', cassettes.serverError)
    transient('rate-limited', cassettes.rateLimited)

    contractCase('network-error', () => {
      let server: FaultServer
      beforeEach(async () => {
        server = await resettingServer()
      })
      afterEach(() => server.close())
      it.each(['authorization_code', 'refresh_token'] as const)(
        'a connection reset during %s is retryable and never dead',
        async (grant) => {
          const r = run()
          const endpoints = await r.endpoints()
          // The connector's own endpoints, with its token endpoint's path on a server that resets
          // every connection (nock cannot reset a socket under undici).
          allowLoopback()
          const at = {
            ...endpoints,
            tokenEndpoint: `${server.url}${new URL(endpoints.tokenEndpoint).pathname}`,
          }
          const result = errorCase(
            grant === 'authorization_code' ? await r.exchange(at) : await r.refresh(at),
          )
          expect(server.hits(), 'the request reached the resetting server').toBeGreaterThan(0)
          expect({ retryable: result.retryable, dead: result.dead }).toEqual({ retryable: true, dead: false })
          expect(r.leaks(result)).toEqual([])
        },
      )
    })

    contractCase('no-secrets', () => {
      it('the adapter and its connector hold no client secret or token on any property', () => {
        const r = run()
        expect(r.leaks(exposedText(r.base.adapter), exposedText(r.connector))).toEqual([])
      })
      it("the adapter's redact hook hides the client secret in every form it travels in", () => {
        const r = run()
        const redact = r.base.adapter.redact?.bind(r.base.adapter)
        const secrets = Object.entries(r.base.env.vars).filter(([name]) => options.secrets?.includes(name))
        if (secrets.length === 0) return
        expect(redact, 'the adapter has a redact hook').toBeDefined()
        const id = r.connector.clientId
        for (const [, secret] of secrets) {
          // The two form encodings a Basic credential is built with: WHATWG's (URLSearchParams)
          // and HTML 4.01's (every non-alphanumeric escaped), which oauth4webapi sends.
          const whatwg = (v: string) => new URLSearchParams([['v', v]]).toString().slice(2)
          const strict = (v: string) =>
            encodeURIComponent(v)
              .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
              .replaceAll('%20', '+')
          const basic = (enc: (v: string) => string) =>
            Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')
          const text = `secret ${secret}; form client_secret=${whatwg(secret)}; headers Basic ${basic(whatwg)} and Basic ${basic(strict)}`
          expect(r.leaks(redact?.(text) ?? text)).toEqual([])
        }
      })
    })
  })
}
