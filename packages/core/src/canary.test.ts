import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canary, captureLogger, errorText, localServer } from '../test/helpers'
import { alreadyRevoked, failed, type RevocationAdapter, revoked } from './adapter'
import { createEngine } from './engine'
import { memoryStore } from './memory-store'
import type { AuditEvent } from './store'
import {
  carelessAdapter,
  carelessCredential,
  echoAnswer,
  echoScenario,
  leaksWindow,
  secretPart,
  storedText,
} from './testing/leaks'

// Canary tokens and secrets travel through every path a revoke can take: success, partial and
// total failure, a provider that echoes what it was sent, an adapter that throws with the token
// in the message, bad input. Afterwards no error, log line, event or result may contain them.

const ACCESS = canary('access')
const REFRESH = canary('refresh')
const CLIENT_SECRET = canary('client-secret')
const EXTRA = canary('id-token')
const ALL = [ACCESS, REFRESH, CLIENT_SECRET, EXTRA]

let provider: Awaited<ReturnType<typeof localServer>>
beforeAll(async () => {
  // A provider that echoes the request back in its error body, and resets some connections.
  provider = await localServer((req, res) => {
    if (req.url?.startsWith('/reset')) return req.socket.destroy()
    const echo = JSON.stringify({
      error: 'invalid_client',
      received: req.body,
      auth: req.headers.authorization,
    })
    res.writeHead(req.url?.startsWith('/ok') ? 200 : 401, { 'content-type': 'application/json' }).end(echo)
  })
})
afterAll(() => provider.close())

/** An adapter doing what a careless adapter might: putting provider bodies into reasons. */
function echoingAdapter(path: string): RevocationAdapter {
  return {
    toolkit: 'echo',
    supportsAccess: true,
    supportsRefresh: true,
    async revoke(request, { http }) {
      const res = await http.request(`${provider.url}${path}?token=${request.token}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`client:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: request.token, client_secret: CLIENT_SECRET }).toString(),
      })
      if (res.status === 200) return revoked()
      return failed({
        retryable: false,
        reason: `provider said ${res.body}`,
        suggestedFix: `check ${CLIENT_SECRET}`,
      })
    },
  }
}

// Throws its client secret before any request, so only its own redact hook can know the value.
const throwing: RevocationAdapter = {
  toolkit: 'throwing',
  supportsAccess: true,
  supportsRefresh: true,
  redact: (text) => text.replaceAll(CLIENT_SECRET, '[REDACTED]'),
  async revoke(request) {
    if (request.subject === 'refresh_token')
      throw new Error(`could not revoke ${request.token} with ${CLIENT_SECRET}`)
    return failed({ retryable: true, reason: `retry ${request.token}`, retryAfterMs: 1 })
  },
}

// Logs its own client secret through the context's logger: its redact hook must hide it there too.
const chatty: RevocationAdapter = {
  toolkit: 'chatty',
  supportsAccess: true,
  supportsRefresh: true,
  redact: (text) => text.replaceAll(CLIENT_SECRET, '[REDACTED]'),
  async revoke(request, { logger }) {
    logger.info({ note: `authenticating with ${CLIENT_SECRET}` }, `revoking with secret ${CLIENT_SECRET}`)
    return request.subject === 'refresh_token' ? revoked() : alreadyRevoked()
  },
}

const partial: RevocationAdapter = {
  toolkit: 'partial',
  supportsAccess: true,
  supportsRefresh: true,
  async revoke(request) {
    return request.subject === 'access_token'
      ? alreadyRevoked(`token ${request.token} expired`)
      : failed({ retryable: false, reason: `refresh ${request.token} rejected` })
  },
}

describe('canary secrets never leave through an error, a log line, an event or a result', () => {
  it('holds across every revoke path', async () => {
    const logger = captureLogger()
    const events: AuditEvent[] = []
    const store = memoryStore()
    const engine = createEngine({
      store,
      adapters: [
        echoingAdapter('/deny'),
        { ...echoingAdapter('/ok'), toolkit: 'echo-ok' },
        { ...echoingAdapter('/reset'), toolkit: 'reset' },
        throwing,
        partial,
        chatty,
      ],
      logger,
      onEvent: (e) => events.push(e),
      backoff: { baseMs: 1, maxMs: 2 },
      deadlineMs: 5_000,
    })
    const seen: string[] = []
    const credentials = { access_token: ACCESS, refresh_token: REFRESH, id_token: EXTRA }

    for (const toolkit of ['echo', 'echo-ok', 'reset', 'throwing', 'partial', 'chatty', 'nobody']) {
      const account = await engine.create({ userId: 'u', toolkit, credentials })
      try {
        seen.push(JSON.stringify(await engine.revoke(account.id)))
      } catch (error) {
        seen.push(errorText(error))
      }
      seen.push(JSON.stringify(await store.events(account.id)))
    }

    // Bad input carrying the secrets must not echo them either.
    for (const input of [
      { userId: 'u', toolkit: 'BAD SLUG', credentials },
      { userId: 'u', toolkit: 'x', credentials: { access_token: ACCESS, refresh_token: 7 } },
      { userId: 'u', toolkit: 'x', credentials, unexpected: CLIENT_SECRET },
    ]) {
      try {
        await engine.create(input as never)
        seen.push('created?!')
      } catch (error) {
        seen.push(errorText(error))
      }
    }

    seen.push(...logger.lines, JSON.stringify(events))
    const everything = seen.join('\n')
    expect(logger.lines.length).toBeGreaterThan(10) // the logs were really exercised
    expect(everything).toContain('invalid_client') // and the provider's answers really came through
    expect(everything).toContain('revoking with secret [REDACTED]') // the chatty adapter really logged
    for (const secret of ALL) {
      const line = everything.split('\n').find((l) => l.includes(secret))
      expect(line, secret).toBeUndefined()
    }
    // Base64 of the Basic credentials must not leak either.
    expect(everything).not.toContain(Buffer.from(`client:${CLIENT_SECRET}`).toString('base64'))
  })
})

describe('the secrets option', () => {
  it('hides values only the caller knows in the error, the stored failure, events and logs', async () => {
    const configured = canary('configured-secret')
    const logger = captureLogger()
    const store = memoryStore()
    // An adapter without a redact hook that quotes a secret it never sent in a request.
    const quoting: RevocationAdapter = {
      toolkit: 'quoting',
      supportsAccess: true,
      supportsRefresh: true,
      async revoke(_request, { logger }) {
        logger.warn({ note: configured.slice(3) }, `using ${configured.slice(0, -4)}`)
        return failed({ retryable: false, reason: `rejected ${configured.slice(2, 30)}` })
      },
    }
    const engine = createEngine({ store, adapters: [quoting], logger, secrets: [configured] })
    const account = await engine.create({
      userId: 'u',
      toolkit: 'quoting',
      credentials: { access_token: ACCESS },
    })
    const error = await engine.revoke(account.id).catch((e: unknown) => e)
    const everything = [
      errorText(error),
      JSON.stringify((await store.get(account.id))?.lastFailedRevoke),
      JSON.stringify(await store.events(account.id)),
      ...logger.lines,
    ].join('\n')
    expect(everything).toContain('rejected [REDACTED]')
    expect(leaksWindow(everything, [configured], 8)).toEqual([])
    await engine.close()
  })
})

// The same guarantee for parts of secrets. A provider may echo a prefix, the tail or a middle of
// what it was sent, in any encoding, and an adapter may cut that text before the engine sees it:
// no 8 consecutive characters of any secret may still show anywhere the engine writes.
describe('no 8 characters of a secret leave the engine, however a provider cuts and encodes it', () => {
  const RUNS = 250
  const scenario = fc.record({
    echo: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }).map(echoScenario),
    echoed: fc.constantFrom('access', 'refresh', 'clientSecret', 'basic'),
    via: fc.constantFrom('reason', 'throw', 'log'),
    // The access token's revoke succeeds: a partial revoke, answered with details, not an error.
    partial: fc.boolean(),
  })
  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never
  let current: Scenario

  const basicOf = (s: Scenario) => carelessCredential(s.echo.clientSecret)
  let hostile: Awaited<ReturnType<typeof localServer>>
  beforeAll(async () => {
    // Echoes what it was sent: the token from the form body, the secret from the Basic header.
    hostile = await localServer((req, res) => {
      const form = new URLSearchParams(req.body)
      if (current.partial && form.get('token_type_hint') === 'access_token') return res.writeHead(200).end()
      const credential = (req.headers.authorization ?? '').replace(/^Basic /, '')
      const decoded = Buffer.from(credential, 'base64').toString('utf8')
      const sent = {
        access: form.get('token_type_hint') === 'access_token' ? form.get('token') : current.echo.access,
        refresh: form.get('token_type_hint') === 'refresh_token' ? form.get('token') : current.echo.refresh,
        clientSecret: decoded.slice(decoded.indexOf(':') + 1),
        basic: credential,
      }[current.echoed] as string
      const { where, length, offset, format } = current.echo
      const answer = echoAnswer(secretPart(sent, where, length, offset), format)
      res.writeHead(answer.status, answer.headers).end(answer.body)
    })
  })
  afterAll(() => hostile.close())

  const careless = carelessAdapter(() => ({
    url: hostile.url,
    clientSecret: current.echo.clientSecret,
    cut: current.echo.cut,
    via: current.via,
  }))

  it(`holds for ${RUNS} generated secrets, echo formats, windows and cuts`, async () => {
    const logger = captureLogger()
    const events: AuditEvent[] = []
    const store = memoryStore()
    const engine = createEngine({
      store,
      adapters: [careless],
      logger,
      onEvent: (e) => events.push(e),
      maxAttempts: 1,
    })
    let echoedSomething = 0
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (c) => {
          current = c
          const s = c.echo
          logger.lines.length = 0
          events.length = 0
          const account = await engine.create({
            userId: 'u',
            toolkit: 'careless',
            allowMultiple: true,
            credentials: {
              access_token: s.access,
              refresh_token: s.refresh,
              id_token: s.idToken,
              scope: 'x',
            },
          })
          const seen: string[] = []
          try {
            seen.push(JSON.stringify(await engine.revoke(account.id)))
          } catch (error) {
            seen.push(errorText(error))
          }
          seen.push(await storedText(store, account.id), JSON.stringify(events), ...logger.lines)
          const everything = seen.join('\n')
          if (everything.includes('[REDACTED]')) echoedSomething++
          const leaks = leaksWindow(
            everything,
            [s.access, s.refresh, s.clientSecret, s.idToken, basicOf(c)],
            8,
          )
          expect(leaks).toEqual([])
        }),
        { numRuns: RUNS },
      )
    } finally {
      await engine.close()
    }
    // The provider's answers really carried parts of secrets that had to be hidden.
    expect(echoedSomething).toBeGreaterThan(RUNS / 2)
  }, 120_000)
})
