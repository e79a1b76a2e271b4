import type { AccountRecord, AuditEvent } from '@revokit/core'
import { sampleRecord } from '@revokit/core/testing'
import { describe, expect, it } from 'vitest'
import { checkAfterKill, type Planned } from './check'
import type { TokenCount } from './provider'

// The crash loop is only as good as its checks: each state a crash must never leave is flagged.

const access = 'fake-access-check'
const refresh = 'fake-refresh-check'
const planned: Planned = { id: 'ca_checkcheck01', tokens: { access_token: access, refresh_token: refresh } }
const counted = (revokedByChild: Record<string, number>) => ({
  count: (token: string): TokenCount => ({
    received: { child: revokedByChild[token] ?? 0, later: 0 },
    revoked: { child: revokedByChild[token] ?? 0, later: 0 },
  }),
})
const event = (type: AuditEvent['type'], from: AuditEvent['from'], to: AuditEvent['to'], extra = {}) =>
  ({
    id: `evt_${type}`,
    accountId: planned.id,
    projectId: 'default',
    type,
    from,
    to,
    at: '',
    requestId: null,
    ...extra,
  }) as AuditEvent

// A refresh token revoked and recorded, the access token pending after a 503: a state a crash may leave.
const good: AccountRecord = sampleRecord({
  id: planned.id,
  status: 'REVOKED',
  credentials: { access_token: access },
  revokedSubjects: ['refresh_token'],
  pendingSubjects: ['access_token'],
})
const goodEvents = [
  event('created', null, 'ACTIVE'),
  event('revoked', 'ACTIVE', 'REVOKED', { revokedSubjects: ['refresh_token'] }),
]
const provider = counted({ [refresh]: 1 })
const killedAt = 1_000_000

describe('the crash loop flags every forbidden state', () => {
  it('accepts a state the engine may leave behind', () => {
    expect(checkAfterKill(good, goodEvents, planned, provider, killedAt, 10_000)).toEqual([])
    const untouched = sampleRecord({ id: planned.id, credentials: { ...planned.tokens } })
    const claimed = { ...untouched, claim: { id: 'clm_x', expiresAt: killedAt + 10_000 } }
    expect(
      checkAfterKill(claimed, [event('created', null, 'ACTIVE')], planned, counted({}), killedAt, 10_000),
    ).toEqual([])
  })

  it.each<[string, Partial<AccountRecord>, string, Record<string, number>?]>([
    ['a status the revoke cannot reach', { status: 'INACTIVE' }, 'status INACTIVE, which no revoke'],
    [
      'REVOKED with the subject never revoked at the provider',
      {},
      'recorded revoked, but the provider never',
      {},
    ],
    [
      'REVOKED with nothing dead',
      { revokedSubjects: [], pendingSubjects: [], credentials: { ...planned.tokens } },
      'REVOKED with no subject dead',
    ],
    ['a live token scrubbed', { credentials: {} }, 'access_token is not recorded revoked, yet'],
    [
      'a live token altered',
      { credentials: { access_token: 'fake-other' } },
      'access_token is not recorded revoked, yet',
    ],
    [
      'a dead token kept',
      { credentials: { ...planned.tokens } },
      'refresh_token recorded revoked but not scrubbed',
    ],
    [
      'a claim outliving its holder',
      { claim: { id: 'clm_x', expiresAt: killedAt + 10_001 } },
      'a claim expiring',
    ],
    ['a token revoked twice by one process', {}, 'revoked 2 times by one child', { [refresh]: 2 }],
  ])('%s', (_, change, flagged, revokedByChild) => {
    const record = { ...good, ...change }
    const found = checkAfterKill(
      record,
      goodEvents,
      planned,
      revokedByChild ? counted(revokedByChild) : provider,
      killedAt,
      10_000,
    )
    expect(found.join('\n')).toContain(flagged)
  })

  it.each<[string, AuditEvent[], string]>([
    [
      'no created event',
      [event('revoked', 'ACTIVE', 'REVOKED', { revokedSubjects: ['refresh_token'] })],
      'first event',
    ],
    [
      'a transition the table forbids',
      [...goodEvents, event('revoked', 'REVOKED', 'ACTIVE')],
      'event revoked REVOKED→ACTIVE',
    ],
    [
      'an event naming a subject the provider never revoked',
      [
        goodEvents[0] as AuditEvent,
        event('revoked', 'ACTIVE', 'REVOKED', { revokedSubjects: ['access_token', 'refresh_token'] }),
      ],
      'names access_token revoked',
    ],
    [
      'a token value in an event',
      [
        goodEvents[0] as AuditEvent,
        event('revoked', 'ACTIVE', 'REVOKED', { reason: refresh, revokedSubjects: ['refresh_token'] }),
      ],
      'a token value in an audit event',
    ],
  ])('an audit trail with %s', (_, trail, flagged) => {
    expect(checkAfterKill(good, trail, planned, provider, killedAt, 10_000).join('\n')).toContain(flagged)
  })
})
