import type { StoreListQuery, StoreQuery } from '@revokit/core'
import { selectAccount } from './rows'

/** SQL text with its bound parameters. The text only ever depends on the query's shape. */
export interface SqlQuery {
  readonly text: string
  readonly values: unknown[]
}

/**
 * The WHERE clause of a query, or `null` when it can match nothing (an empty list filter, as in
 * `memoryStore`). Values are always bound, never spliced into the text; a list is one `text[]`
 * parameter (`= ANY($n)`), which the per-column indexes serve like an `IN` list.
 *
 * @see https://www.postgresql.org/docs/current/functions-comparisons.html#FUNCTIONS-COMPARISONS-ANY-SOME
 */
export function whereClause(query: StoreQuery): SqlQuery | null {
  const terms: string[] = []
  const values: unknown[] = []
  if (query.projectId !== undefined) {
    values.push(query.projectId)
    terms.push(`a.project_id = $${values.length}`)
  }
  const lists: Array<[string, readonly string[] | undefined]> = [
    ['a.user_id', query.userIds],
    ['a.toolkit', query.toolkits],
    ['a.status', query.statuses],
  ]
  for (const [column, list] of lists) {
    if (list === undefined) continue
    if (list.length === 0) return null
    values.push([...list])
    terms.push(`${column} = ANY($${values.length}::text[])`)
  }
  return { text: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', values }
}

/**
 * One keyset page in (created_at, id) order. The row comparison lets PostgreSQL start the index
 * scan right after the cursor instead of skipping the rows before it.
 *
 * @see https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON
 * @see https://use-the-index-luke.com/no-offset
 */
export function listQuery(s: string, query: StoreListQuery): SqlQuery | null {
  const where = whereClause(query)
  if (!where || !(query.limit > 0)) return null
  const values = [...where.values]
  let text = where.text
  if (query.after) {
    values.push(query.after.createdAt, query.after.id)
    text = `${text ? `${text} AND` : 'WHERE'} (a.created_at, a.id) > ($${values.length - 1}, $${values.length})`
  }
  values.push(Math.floor(query.limit))
  return { text: `${selectAccount(s)} ${text} ORDER BY a.created_at, a.id LIMIT $${values.length}`, values }
}

/** How many accounts match, with the same filters as {@link listQuery}. */
export function countQuery(s: string, query: StoreQuery): SqlQuery | null {
  const where = whereClause(query)
  if (!where) return null
  return { text: `SELECT count(*)::integer AS n FROM ${s}.accounts AS a ${where.text}`, values: where.values }
}
