import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONNECT_TABLE, specTable } from '../test/spec-table'
import {
  alreadyRevoked,
  failed,
  type RevocationAdapter,
  type RevokeOutcome,
  revoked,
  unsupported,
} from './adapter'
import { createEngine } from './engine'
import { isRevokitError } from './errors'
import { memoryStore } from './memory-store'
import type { AccountStatus } from './model'
import { type FakeAuthorizationServer, fakeAuthorizationServer } from './testing'
import type { Operation } from './transitions'

// A model-based test: random sequences of operations run against the real engine and against a
// model that knows only the lifecycle transition table (parsed from its text in test/spec-table.ts) and what the provider will
// answer. After every step the engine must agree with the model, and the stored state must be
// one the table allows.

type Answer = 'revoked' | 'already' | 'failed' | 'unsupported' | 'mixed'
type StatusOperation = 'activate' | 'disable' | 'enable' | 'expire' | 'delete'
type ConnectOperation = 'complete' | 'refresh' | 'update' | 'read'
type Command =
  | { kind: 'create'; withTokens: boolean }
  | { kind: 'connect' }
  | { kind: ConnectOperation; target: number }
  | { kind: StatusOperation | 'revokeThenDelete'; target: number }
  | { kind: 'revoke'; target: number; answer: Answer }

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), withTokens: fc.boolean() }),
  fc.record({ kind: fc.constant('connect' as const) }),
  fc.record({
    kind: fc.constantFrom<ConnectOperation>('complete', 'refresh', 'update', 'read'),
    target: fc.nat(),
  }),
  fc.record({
    kind: fc.constantFrom(
      'activate',
      'disable',
      'enable',
      'expire',
      'delete',
      'revokeThenDelete',
    ) as fc.Arbitrary<StatusOperation | 'revokeThenDelete'>,
    target: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('revoke' as const),
    target: fc.nat(),
    answer: fc.constantFrom<Answer>('revoked', 'already', 'failed', 'unsupported', 'mixed'),
  }),
)

const ANSWERS: Record<Answer, Record<'access_token' | 'refresh_token', RevokeOutcome>> = {
  revoked: { access_token: revoked(), refresh_token: revoked() },
  already: { access_token: alreadyRevoked(), refresh_token: alreadyRevoked() },
  failed: {
    access_token: failed({ retryable: false, reason: 'HTTP 401' }),
    refresh_token: failed({ retryable: false, reason: 'HTTP 401' }),
  },
  unsupported: {
    access_token: unsupported('unsupported_token_type'),
    refresh_token: unsupported('unsupported_token_type'),
  },
  mixed: { access_token: revoked(), refresh_token: failed({ retryable: false, reason: 'HTTP 500' }) },
}

/** What a revoke of an ACTIVE account ends in, given the provider's answers. */
const REVOKE_ENDS: Record<Answer, { status: number; to: AccountStatus }> = {
  revoked: { status: 200, to: 'REVOKED' },
  already: { status: 200, to: 'REVOKED' },
  mixed: { status: 200, to: 'REVOKED' },
  failed: { status: 500, to: 'ACTIVE' },
  unsupported: { status: 400, to: 'ACTIVE' },
}

const CONNECT_EVENTS: Record<string, Operation | undefined> = {
  connected: 'complete',
  refreshed: 'refresh',
  credentials_updated: 'update',
  authorization_started: 'authorize',
}

describe('model-based: random operation sequences never leave the transition table', () => {
  const table = specTable()
  const connectTable = specTable(CONNECT_TABLE)
  let as: FakeAuthorizationServer
  // The provider refreshes any refresh token, so a refresh's outcome depends on the table alone.
  let serial = 0
  beforeAll(async () => {
    as = await fakeAuthorizationServer({
      answer: (grant) => {
        if (grant.grantType !== 'refresh_token') return undefined
        serial++
        return [
          200,
          {
            access_token: `fake-at-r${serial}`,
            refresh_token: `fake-rt-r${serial}`,
            token_type: 'Bearer',
            expires_in: 3600,
          },
        ]
      },
    })
  })
  afterAll(() => as.close())

  it('the engine agrees with the model after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const store = memoryStore()
        let answer: Answer = 'revoked'
        const dispatchedOk = new Set<string>()
        const adapter: RevocationAdapter = {
          toolkit: 'test',
          supportsAccess: true,
          supportsRefresh: true,
          async revoke(request) {
            const outcome = ANSWERS[answer][request.subject]
            if (outcome.type === 'revoked' || outcome.type === 'already_revoked')
              dispatchedOk.add(request.account.id)
            return outcome
          },
        }
        const engine = createEngine({
          store,
          adapters: [{ ...adapter, connect: as.connector }],
          redirectUri: 'https://app.example.test/callback',
        })
        type Entry = { id: string; status: AccountStatus; link?: string | undefined; refreshable: boolean }
        const model: Entry[] = []

        for (const c of commands) {
          if (c.kind === 'connect') {
            const link = await engine.initiate({ userId: 'u', toolkit: 'test', allowMultiple: true })
            model.push({ id: link.id, status: 'INITIATED', link: link.redirectUrl, refreshable: false })
            continue
          }
          if (c.kind === 'create') {
            const account = await engine.create({
              userId: 'u',
              toolkit: 'test',
              allowMultiple: true,
              ...(c.withTokens
                ? { credentials: { access_token: 'fake-at-m', refresh_token: 'fake-rt-m' } }
                : {}),
            })
            model.push({
              id: account.id,
              status: c.withTokens ? 'ACTIVE' : 'INITIATED',
              refreshable: c.withTokens,
            })
            continue
          }
          if (model.length === 0) continue
          const entry = model[c.target % model.length] as Entry
          if (c.kind === 'complete' || c.kind === 'refresh' || c.kind === 'update' || c.kind === 'read') {
            await connectStep(c.kind, entry)
            await checkStored(entry)
            continue
          }
          if (c.kind === 'revoke') answer = c.answer
          else if (c.kind === 'revokeThenDelete') answer = 'revoked'

          // Expected outcome, from the table (and the provider's answer for a dispatching revoke).
          const op: Operation = c.kind === 'revokeThenDelete' ? 'revoke' : c.kind
          const cell = table.get(`${entry.status}/${op}`)
          if (!cell) throw new Error(`no cell ${entry.status}/${op}`)
          let expected: { status: number; to: AccountStatus }
          if (cell.kind === 'error') expected = { status: cell.status, to: entry.status }
          else if (op === 'revoke' && !cell.noop) expected = REVOKE_ENDS[answer]
          else expected = { status: 200, to: cell.status }
          if (c.kind === 'revokeThenDelete' && expected.status === 200)
            expected = { status: 200, to: 'DELETED' }

          let got: number
          try {
            if (c.kind === 'revoke') await engine.revoke(entry.id)
            else if (c.kind === 'revokeThenDelete') await engine.revokeThenDelete(entry.id)
            else if (c.kind === 'activate') {
              await engine.activate(entry.id, {
                credentials: { access_token: 'fake-at-n', refresh_token: 'fake-rt-n' },
              })
            } else await engine[c.kind](entry.id)
            got = 200
          } catch (error) {
            if (!isRevokitError(error)) throw error
            got = error.status
          }
          expect({ step: c, from: entry.status, status: got }).toEqual({
            step: c,
            from: entry.status,
            status: expected.status,
          })
          if (expected.status === 200) {
            if (c.kind === 'activate') entry.refreshable = true
            if (c.kind === 'expire' || c.kind === 'delete' || c.kind === 'revokeThenDelete')
              entry.link = undefined
          }
          entry.status = expected.to
          await checkStored(entry)
        }

        /** One connect operation: the model's expectation from the tables, then the engine's answer. */
        async function connectStep(op: ConnectOperation, entry: Entry) {
          let expected: { status: number; to: AccountStatus }
          let after: Partial<Entry> = {}
          if (op === 'complete') {
            if (!entry.link) return
            const cell = connectTable.get(`${entry.status}/complete`)
            expected =
              cell?.kind === 'to'
                ? { status: 200, to: cell.status }
                : { status: cell?.status ?? 0, to: entry.status }
            if (expected.status === 200) after = { link: undefined, refreshable: true }
          } else if (op === 'refresh') {
            const grant = connectTable.get(`${entry.status}/refresh`)
            const authorize = connectTable.get(`${entry.status}/authorize`)
            if (grant?.kind === 'to' && entry.refreshable) expected = { status: 200, to: grant.status }
            else if (authorize?.kind === 'to') expected = { status: 200, to: entry.status }
            else expected = { status: authorize?.status ?? 0, to: entry.status }
          } else {
            const cell = connectTable.get(`${entry.status}/${op}`)
            expected =
              cell?.kind === 'to'
                ? { status: 200, to: cell.status }
                : { status: cell?.status ?? 0, to: entry.status }
            if (op === 'update' && expected.status === 200) after = { link: undefined, refreshable: false }
          }
          let got: number
          try {
            if (op === 'complete') await engine.completeAuthorization(as.consent(entry.link as string))
            else if (op === 'refresh') {
              const result = await engine.refresh(entry.id)
              if (result.redirectUrl) after = { link: result.redirectUrl }
              else after = { refreshable: true }
            } else if (op === 'update')
              await engine.updateCredentials(entry.id, { access_token: 'fake-at-u' })
            else await engine.credentials(entry.id)
            got = 200
          } catch (error) {
            if (!isRevokitError(error)) throw error
            got = error.status
          }
          expect({ op, from: entry.status, status: got }).toEqual({
            op,
            from: entry.status,
            status: expected.status,
          })
          entry.status = expected.to
          Object.assign(entry, after)
        }

        async function checkStored(entry: Entry) {
          // The stored state agrees with the model, and respects the revoke's invariants (never REVOKED without a dead token).
          const stored = await store.get(entry.id)
          expect(stored?.status).toBe(entry.status)
          expect(stored?.claim).toBeNull()
          if (stored?.status === 'REVOKED') {
            expect(dispatchedOk.has(entry.id)).toBe(true) // never REVOKED unless a dispatch succeeded
            for (const s of stored.revokedSubjects) expect(stored.credentials[s]).toBeUndefined()
          }
          if (stored?.status === 'DELETED') {
            expect(stored.credentials).toEqual({})
            await expect(engine.get(entry.id)).rejects.toMatchObject({ status: 404 })
          }
          // Every stored event is a move the table allows (or a failed revoke that stayed put).
          for (const event of await store.events(entry.id)) {
            if (event.type === 'created' || event.type === 'revoke_failed') continue
            if (event.type === 'pending_revoked' || event.type.endsWith('_failed')) continue
            const connectOp = CONNECT_EVENTS[event.type]
            // 'activated' → 'activate', 'revoked' → 'revoke', …
            const allowed = connectOp
              ? connectTable.get(`${event.from}/${connectOp}`)
              : table.get(`${event.from}/${event.type.replace(/d$/, '')}`)
            expect({ event: event.type, ok: allowed?.kind === 'to' && allowed.status === event.to }).toEqual({
              event: event.type,
              ok: true,
            })
          }
          expect(JSON.stringify(await store.events(entry.id))).not.toMatch(/fake-(at|rt)-[mnru]/)
        }
      }),
      { numRuns: 150 },
    )
  })
})
