import { describe, expect, it } from 'vitest'
import { CONNECT_TABLE, specTable } from '../test/spec-table'
import { createEngine, type Engine } from './engine'
import { isRevokitError } from './errors'
import { memoryStore } from './memory-store'
import type { AccountStatus } from './model'
import { scriptedAdapter } from './testing'
import { OPERATIONS, type Operation, transition } from './transitions'

const FRESH = { access_token: 'fake-access-new', refresh_token: 'fake-refresh-new' }

/** Builds an account in `status` the way a user would: through engine operations. */
async function accountIn(engine: Engine, status: AccountStatus): Promise<string> {
  const active = () =>
    engine.create({
      userId: 'u1',
      toolkit: 'test',
      credentials: { access_token: 'fake-at', refresh_token: 'fake-rt' },
    })
  switch (status) {
    case 'INITIATED':
      return (await engine.create({ userId: 'u1', toolkit: 'test' })).id
    case 'ACTIVE':
      return (await active()).id
    case 'INACTIVE':
      return (await engine.disable((await active()).id)).id
    case 'EXPIRED':
      return (await engine.expire((await active()).id)).id
    case 'REVOKED': {
      const { id } = await active()
      await engine.revoke(id)
      return id
    }
    case 'DELETED':
      return (await engine.delete((await active()).id)).id
  }
}

function apply(engine: Engine, op: Operation, id: string) {
  switch (op) {
    case 'activate':
      return engine.activate(id, { credentials: FRESH })
    case 'revoke':
      return engine.revoke(id)
    default:
      return engine[op as 'disable' | 'enable' | 'expire' | 'delete'](id)
  }
}

describe('the transition table, every cell through the engine', () => {
  const table = specTable()
  it('has all 36 cells', () => expect(table.size).toBe(36))

  for (const [key, cell] of table) {
    const [from, op] = key.split('/') as [AccountStatus, Operation]
    const expectation =
      cell.kind === 'error' ? `${cell.status}` : `${cell.status}${cell.noop ? ' (no-op)' : ''}`
    it(`${from} --${op}--> ${expectation}`, async () => {
      const store = memoryStore()
      const adapter = scriptedAdapter()
      const engine = createEngine({ store, adapters: [adapter] })
      const id = await accountIn(engine, from)
      const before = await store.get(id)
      const eventsBefore = (await store.events(id)).length
      const callsBefore = adapter.calls.length

      if (cell.kind === 'error') {
        const error = await apply(engine, op, id).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(isRevokitError(error) && error.status).toBe(cell.status)
        if (cell.status === 409) expect(String((error as Error).message)).toContain(from)
        expect(await store.get(id)).toEqual(before)
        expect(adapter.calls.length).toBe(callsBefore)
        return
      }

      const result = await apply(engine, op, id)
      const status = 'connectedAccount' in result ? result.connectedAccount.status : result.status
      expect(status).toBe(cell.status)
      const after = await store.get(id)
      expect(after?.status).toBe(cell.status)
      const events = await store.events(id)
      if (cell.noop) {
        expect(after?.version).toBe(before?.version)
        expect(events.length).toBe(eventsBefore)
        expect(adapter.calls.length).toBe(callsBefore)
      } else {
        expect(after?.version).toBeGreaterThan(before?.version ?? 0)
        expect(events.at(-1)).toMatchObject({ from, to: cell.status, accountId: id })
      }
      if (op === 'revoke' && !cell.noop) expect(adapter.calls.length).toBeGreaterThan(callsBefore)
      if (op === 'delete') {
        expect(after?.credentials).toEqual({})
        await expect(engine.get(id)).rejects.toMatchObject({ status: 404 })
      }
    })
  }

  it('activating an EXPIRED account without new credentials is a 400, not a transition', async () => {
    const store = memoryStore()
    const engine = createEngine({ store, adapters: [] })
    const id = await accountIn(engine, 'EXPIRED')
    await expect(engine.activate(id)).rejects.toMatchObject({ status: 400, slug: 'credentials_required' })
    expect((await store.get(id))?.status).toBe('EXPIRED')
  })

  it('activating an INITIATED account needs an access token from somewhere', async () => {
    const engine = createEngine({ store: memoryStore(), adapters: [] })
    const id = await accountIn(engine, 'INITIATED')
    await expect(engine.activate(id)).rejects.toMatchObject({ status: 400, slug: 'credentials_required' })
    const active = await engine.activate(id, { credentials: { access_token: 'fake-at-9' } })
    expect(active).toMatchObject({ status: 'ACTIVE', credentials: { access_token: 'fake-at-9' } })
  })

  it('every operation is covered, by the status table or the connect table', () => {
    const covered = [...specTable().keys(), ...specTable(CONNECT_TABLE).keys()].map((k) => k.split('/')[1])
    expect(new Set(covered)).toEqual(new Set(OPERATIONS))
  })

  it('the engine’s table has the connect table’s cells', () => {
    for (const [key, cell] of specTable(CONNECT_TABLE)) {
      const [from, op] = key.split('/') as [AccountStatus, Operation]
      const step = transition(from, op)
      if (cell.kind === 'error')
        expect({ key, step }).toEqual({ key, step: { allowed: false, status: cell.status } })
      else expect({ key, step }).toEqual({ key, step: { allowed: true, to: cell.status, noop: cell.noop } })
    }
  })
})
