import type { SQLInputValue } from 'node:sqlite'
import type { StoreListQuery, StoreQuery } from '@revokit/core'
import { SELECT_ACCOUNT } from './rows'

/** SQL text with its bound parameters. The text only ever depends on the query's shape. */
export interface SqlQuery {
  readonly sql: string
  readonly params: SQLInputValue[]
}

/**
 * The WHERE clause of a query, or `null` when it can match nothing (an empty list filter, as in
 * `memoryStore`). Values are always bound, never spliced into the text, so the text is safe to
 * appear in SQLite's error messages and the statement cache stays small.
 */
export function whereClause(query: StoreQuery): SqlQuery | null {
  const terms: string[] = []
  const params: SQLInputValue[] = []
  if (query.projectId !== undefined) {
    terms.push('a.project_id = ?')
    params.push(query.projectId)
  }
  const lists: Array<[string, readonly string[] | undefined]> = [
    ['a.user_id', query.userIds],
    ['a.toolkit', query.toolkits],
    ['a.status', query.statuses],
  ]
  for (const [column, values] of lists) {
    if (values === undefined) continue
    if (values.length === 0) return null
    terms.push(`${column} IN (${values.map(() => '?').join(', ')})`)
    params.push(...values)
  }
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params }
}

/**
 * One keyset page in (created_at, id) order. The row-value comparison lets SQLite start the
 * index scan right after the cursor instead of skipping the rows before it.
 *
 * @see https://sqlite.org/rowvalue.html
 */
export function listQuery(query: StoreListQuery): SqlQuery | null {
  const where = whereClause(query)
  if (!where || !(query.limit > 0)) return null
  const params = [...where.params]
  let sql = where.sql
  if (query.after) {
    sql = `${sql ? `${sql} AND` : 'WHERE'} (a.created_at, a.id) > (?, ?)`
    params.push(query.after.createdAt, query.after.id)
  }
  params.push(Math.floor(query.limit))
  return { sql: `${SELECT_ACCOUNT} ${sql} ORDER BY a.created_at, a.id LIMIT ?`, params }
}

/** How many accounts match, with the same filters as {@link listQuery}. */
export function countQuery(query: StoreQuery): SqlQuery | null {
  const where = whereClause(query)
  if (!where) return null
  return { sql: `SELECT count(*) AS n FROM accounts AS a ${where.sql}`, params: where.params }
}
