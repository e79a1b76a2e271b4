import { DatabaseSync } from 'node:sqlite'
import type { StoreListQuery } from '@revokit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeTempDirs, tempDbPath } from '../test/helpers'
import { countQuery, listQuery } from './queries'
import { sqliteStore } from './sqlite-store'

const LISTABLE = ['INITIATED', 'ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED'] as const
const after = { createdAt: '2026-01-01T00:00:00.000Z', id: 'ca_abcdefabcdef' }
let db: DatabaseSync

beforeAll(async () => {
  const path = tempDbPath()
  await sqliteStore({ path }).close?.()
  db = new DatabaseSync(path, { readOnly: true })
})
afterAll(() => {
  db.close()
  removeTempDirs()
})

/** SQLite's plan for a list page, one line per step. */
function plan(query: StoreListQuery): string[] {
  const sql = listQuery(query)
  if (!sql) throw new Error('the query matches nothing')
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(...sql.params) as Array<{ detail: string }>).map(
    (row) => row.detail,
  )
}

describe('list query plans use the indexes (EXPLAIN QUERY PLAN)', () => {
  it('a page of everything walks the (created_at, id) index from the cursor, with no sort', () => {
    const steps = plan({ limit: 50, after })
    expect(steps[0]).toBe('SEARCH a USING INDEX accounts_by_created ((created_at,id)>(?,?))')
    expect(steps.join('\n')).not.toContain('TEMP B-TREE')
  })

  it('the engine’s usual page (project and listable statuses) walks the project index, with no sort', () => {
    const steps = plan({ projectId: 'default', statuses: LISTABLE, limit: 51, after })
    expect(steps[0]).toBe('SEARCH a USING INDEX accounts_by_project (project_id=? AND (created_at,id)>(?,?))')
    expect(steps.join('\n')).not.toContain('TEMP B-TREE')
  })

  it('one user’s accounts come from the user index', () => {
    const steps = plan({ projectId: 'default', userIds: ['u1'], statuses: LISTABLE, limit: 51 })
    expect(steps[0]).toBe('SEARCH a USING INDEX accounts_by_user (user_id=?)')
  })

  it('no filter combination scans the table without an index', () => {
    const filters: Array<Omit<StoreListQuery, 'limit'>> = [
      {},
      { projectId: 'p' },
      { userIds: ['a', 'b'] },
      { toolkits: ['gmail'] },
      { statuses: ['ACTIVE'] },
      { projectId: 'p', userIds: ['a'], toolkits: ['gmail', 'slack'], statuses: ['ACTIVE', 'REVOKED'] },
    ]
    for (const filter of filters) {
      for (const query of [
        { ...filter, limit: 10 },
        { ...filter, limit: 10, after },
      ]) {
        const accountStep = plan(query)[0] as string
        expect(accountStep, JSON.stringify(query)).toMatch(/^(SEARCH|SCAN) a USING (COVERING )?INDEX /)
        const count = countQuery(query)
        const countPlan = db.prepare(`EXPLAIN QUERY PLAN ${count?.sql}`).all(...(count?.params ?? []))
        expect((countPlan[0] as { detail: string }).detail, JSON.stringify(query)).toMatch(/INDEX/)
      }
    }
  })

  it('an empty list filter matches nothing without asking SQLite', () => {
    expect(listQuery({ userIds: [], limit: 10 })).toBeNull()
    expect(countQuery({ statuses: [] })).toBeNull()
    expect(listQuery({ limit: 0 })).toBeNull()
  })
})
