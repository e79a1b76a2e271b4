import type { AccountPage, CallOptions } from './engine-api'
import { contention, type EngineCore, MAX_CAS_TRIES, rewrite, storeError } from './engine-core'
import { RevokitError } from './errors'
import { newAccountId } from './ids'
import {
  ACCOUNT_STATUSES,
  type AccountRecord,
  type AccountStatus,
  type ConnectedAccount,
  type Credentials,
  holds,
  toAccount,
} from './model'
import type { RevokeClaims } from './revoke/claim'
import { transitionError } from './revoke/failure'
import type { AuditEventType } from './store'
import { type Operation, transition } from './transitions'
import {
  activateInputSchema,
  type CreateInput,
  createInputSchema,
  credentialsSchema,
  decodeCursor,
  encodeCursor,
  type ListQuery,
  listQuerySchema,
  parseInput,
} from './validate'

const LISTABLE: readonly AccountStatus[] = ACCOUNT_STATUSES.filter((s) => s !== 'DELETED')
const EVENT_OF: Record<Operation, AuditEventType> = {
  activate: 'activated',
  disable: 'disabled',
  enable: 'enabled',
  expire: 'expired',
  revoke: 'revoked',
  delete: 'deleted',
  authorize: 'authorization_started',
  complete: 'connected',
  refresh: 'refreshed',
  update: 'credentials_updated',
  read: 'credentials_updated',
}

const holdsAny = (credentials: Credentials) =>
  holds(credentials, 'access_token') || holds(credentials, 'refresh_token')

/**
 * The lifecycle operations other than revoke: create, read, list and the table-driven status
 * changes. Ids are validated by the engine's front before these run.
 */
export function lifecycle(
  core: EngineCore,
  claims: RevokeClaims,
  hooks: { settle?: (record: AccountRecord, call: CallOptions) => Promise<AccountRecord> } = {},
) {
  const { store } = core

  /** Applies one table-driven operation with compare-and-set, waiting out revokes in flight. */
  async function mutate(
    id: string,
    operation: Operation,
    call: CallOptions,
    change: (record: AccountRecord) => Partial<AccountRecord> = () => ({}),
    scrub: boolean | ((record: AccountRecord) => boolean) = false,
  ): Promise<ConnectedAccount> {
    for (let tries = 0; tries < MAX_CAS_TRIES; ) {
      const record = await core.load(id, call)
      if (claims.live(record)) {
        await claims.wait(record)
        continue
      }
      const step = transition(record.status, operation)
      if (!step.allowed) throw transitionError(record, operation)
      if (step.noop) return toAccount(record)
      const now = core.iso()
      const next: AccountRecord = {
        ...record,
        ...change(record),
        status: step.to,
        claim: null,
        updatedAt: now,
        version: record.version + 1,
      }
      const events = [core.event(record, EVENT_OF[operation], record.status, step.to, call, undefined, now)]
      if (await core.cas(record, next, events, typeof scrub === 'function' ? scrub(record) : scrub)) {
        core.emit(events)
        return toAccount(next)
      }
      tries++
    }
    throw contention(id)
  }

  const scope = (call: CallOptions) => (call.projectId !== undefined ? { projectId: call.projectId } : {})

  return {
    mutate,

    async create(input: CreateInput, call: CallOptions): Promise<ConnectedAccount> {
      const data = parseInput(createInputSchema, input, 'connected account')
      if (call.projectId !== undefined && data.projectId !== undefined && call.projectId !== data.projectId) {
        throw new RevokitError('validation_failed', {
          message: 'Invalid connected account: projectId does not match the caller’s project.',
          suggestedFix: 'Omit projectId; the account is created in your project.',
          errors: ['projectId: does not match the caller’s project'],
        })
      }
      const credentials = (data.credentials ?? {}) as Credentials
      const status: AccountStatus =
        data.status ?? (holds(credentials, 'access_token') ? 'ACTIVE' : 'INITIATED')
      if ((status === 'ACTIVE' || status === 'INACTIVE') && !holdsAny(credentials)) {
        throw credentialsRequired(
          `An ${status} account needs credentials with an access_token or a refresh_token.`,
        )
      }
      const projectId = data.projectId ?? call.projectId ?? core.defaultProjectId
      const live = liveAccounts(core)
      if (!data.allowMultiple) await live.refuse(projectId, data.userId, data.toolkit)
      const now = core.iso()
      for (let tries = 0; tries < 3; tries++) {
        const record: AccountRecord = {
          id: data.id ?? newAccountId(),
          projectId,
          userId: data.userId,
          toolkit: data.toolkit,
          status,
          credentials,
          revokedSubjects: [],
          pendingSubjects: [],
          createdAt: now,
          updatedAt: now,
          version: 1,
          claim: null,
          lastFailedRevoke: null,
        }
        const events = [core.event(record, 'created', null, status, call)]
        let inserted: boolean
        try {
          inserted = await store.insert(record, events)
        } catch (error) {
          throw storeError(error)
        }
        if (inserted) {
          core.emit(events)
          if (!data.allowMultiple) await live.settle(record, call)
          return toAccount(record)
        }
        if (data.id) {
          throw new RevokitError('connected_account_exists', {
            message: `Connected account ${data.id} already exists.`,
            suggestedFix: 'Omit id to have one generated, or use another id.',
          })
        }
      }
      throw contention('a new account')
    },

    async list(query: ListQuery, call: CallOptions): Promise<AccountPage> {
      const q = parseInput(listQuerySchema, query, 'list query')
      const limit = q.limit ?? 50
      const statuses = (q.statuses ?? LISTABLE).filter((s) => s !== 'DELETED')
      if (statuses.length === 0) return { items: [], nextCursor: null }
      const after = q.cursor ? decodeCursor(q.cursor) : undefined
      let records: AccountRecord[]
      try {
        records = await store.list({
          ...scope(call),
          ...(q.userIds ? { userIds: q.userIds } : {}),
          ...(q.toolkits ? { toolkits: q.toolkits } : {}),
          statuses,
          ...(after ? { after } : {}),
          limit: limit + 1,
        })
      } catch (error) {
        throw storeError(error)
      }
      const page = records.slice(0, limit)
      const last = page.at(-1)
      // An INITIATED account past its link expiry is EXPIRED for every reader, lists included.
      const settle = hooks.settle
      const settled =
        settle && page.some((record) => record.status === 'INITIATED')
          ? (await Promise.all(page.map((record) => settle(record, call)))).filter((record) =>
              (statuses as readonly AccountStatus[]).includes(record.status),
            )
          : page
      return {
        items: settled.map(toAccount),
        nextCursor: records.length > limit && last ? encodeCursor(last) : null,
      }
    },

    async count(query: Omit<ListQuery, 'limit' | 'cursor'>, call: CallOptions): Promise<number> {
      const q = parseInput(listQuerySchema, query, 'count query')
      const statuses = (q.statuses ?? LISTABLE).filter((s) => s !== 'DELETED')
      if (statuses.length === 0) return 0
      try {
        return await store.count({
          ...scope(call),
          ...(q.userIds ? { userIds: q.userIds } : {}),
          ...(q.toolkits ? { toolkits: q.toolkits } : {}),
          statuses,
        })
      } catch (error) {
        throw storeError(error)
      }
    },

    activate(id: string, input: { credentials?: Credentials }, call: CallOptions): Promise<ConnectedAccount> {
      const { credentials } = parseInput(activateInputSchema, input, 'activation')
      // New credentials replace the stored ones, so the old values must leave the store's files.
      const scrub = credentials !== undefined
      return mutate(
        id,
        'activate',
        call,
        (record) => {
          if (record.status === 'EXPIRED' && !credentials) {
            throw credentialsRequired('An EXPIRED account can only be activated with new credentials.')
          }
          const next = (credentials as Credentials | undefined) ?? record.credentials
          if (!holdsAny(next))
            throw credentialsRequired('An ACTIVE account needs an access_token or a refresh_token.')
          return { credentials: next, revokedSubjects: [], pendingSubjects: [] }
        },
        scrub,
      )
    },

    updateCredentials(id: string, input: Credentials, call: CallOptions): Promise<ConnectedAccount> {
      const credentials = parseInput(credentialsSchema, input, 'credentials') as Credentials
      if (!holdsAny(credentials)) {
        throw credentialsRequired('New credentials need an access_token or a refresh_token.')
      }
      // The old values are replaced, so they must leave the store's files.
      return mutate(
        id,
        'update',
        call,
        () => ({
          credentials,
          revokedSubjects: [],
          pendingSubjects: [],
          authorization: null,
          lastFailedRefresh: null,
          statusReason: null,
          tokensObtainedAt: null,
        }),
        true,
      )
    },

    delete: (id: string, call: CallOptions) =>
      mutate(id, 'delete', call, () => ({ credentials: {}, pendingSubjects: [], authorization: null }), true),
  }
}

function credentialsRequired(message: string): RevokitError {
  return new RevokitError('credentials_required', {
    message,
    suggestedFix: 'Send credentials with the access_token, and the refresh_token if the provider issued one.',
    errors: ['credentials: needs an access_token or a refresh_token'],
  })
}

// Statuses that count as a live connection: one per user and toolkit unless allowMultiple.
const LIVE: readonly AccountStatus[] = ['INITIATED', 'ACTIVE', 'INACTIVE', 'EXPIRED']

/**
 * One live account per user and toolkit. A check before inserting answers the common case; two
 * callers racing past it both insert, so each then lists the live accounts again and withdraws
 * (deletes itself, answering 409) unless every other one was created strictly later. Of racers
 * created in the same millisecond all withdraw, so there are never two live accounts (callers
 * retry), in any store and across processes as long as their clocks agree to the millisecond.
 */
export function liveAccounts(core: EngineCore) {
  const find = async (projectId: string, userId: string, toolkit: string, limit: number) => {
    try {
      return await core.store.list({
        projectId,
        userIds: [userId],
        toolkits: [toolkit],
        statuses: LIVE,
        limit,
      })
    } catch (error) {
      throw storeError(error)
    }
  }
  return {
    async refuse(projectId: string, userId: string, toolkit: string): Promise<void> {
      const [existing] = await find(projectId, userId, toolkit, 1)
      if (existing) throw duplicate(existing)
    },
    async settle(record: AccountRecord, call: CallOptions): Promise<void> {
      const [oldest] = await find(record.projectId, record.userId, record.toolkit, 2).then((found) =>
        found.filter((other) => other.id !== record.id && other.createdAt <= record.createdAt),
      )
      if (!oldest) return
      // Lost the race: withdraw this record (it never held anything upstream).
      await rewrite(core, record, call, (current) =>
        current.status === 'DELETED'
          ? undefined
          : {
              change: { status: 'DELETED', credentials: {}, authorization: null },
              event: { type: 'deleted', to: 'DELETED', reason: 'duplicate' },
              scrub: true,
            },
      )
      throw duplicate(oldest)
    },
  }
}

function duplicate(existing: AccountRecord): RevokitError {
  return new RevokitError('connected_account_exists', {
    message: `User ${existing.userId} already has a ${existing.toolkit} connected account (${existing.id}, ${existing.status}).`,
    suggestedFix: `Use ${existing.id}: refresh it (POST /api/v3/connected_accounts/${existing.id}/refresh, engine.refresh) to reconnect; or pass allow_multiple: true (allowMultiple) to add a second account.`,
    errors: [`connected_account_id: ${existing.id}`],
  })
}
