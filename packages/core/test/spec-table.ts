import type { AccountStatus } from '../src/model'
import type { Operation } from '../src/transitions'

// The product's lifecycle transition table, pasted verbatim. Tests read their expectations from this text,
// not from the engine's own table, so a wrong cell in the engine cannot agree with itself.
export const SPEC_TABLE = `
| from \\ operation | activate | disable | enable | expire | revoke | delete |
|---|---|---|---|---|---|---|
| INITIATED | ACTIVE | 409 | 409 | EXPIRED | 409 | DELETED |
| ACTIVE | 409 | INACTIVE | ACTIVE (no-op) | EXPIRED | REVOKED | DELETED |
| INACTIVE | 409 | INACTIVE (no-op) | ACTIVE | 409 | 409 | DELETED |
| EXPIRED | ACTIVE (new credentials) | 409 | 409 | EXPIRED (no-op) | 409 | DELETED |
| REVOKED | 409 | 409 | 409 | 409 | REVOKED, no dispatch | DELETED |
| DELETED | 404 | 404 | 404 | 404 | 404 | 404 |
`

// The connect operations' columns, written from the lifecycle rules of connecting: a new
// authorization never changes the status until it completes; a completed one makes the account
// ACTIVE; only ACTIVE accounts refresh and hand out credentials; rotated tokens can replace those
// of any account that is not REVOKED (a disabled one stays disabled).
export const CONNECT_TABLE = `
| from \\ operation | authorize | complete | refresh | update | read |
|---|---|---|---|---|---|
| INITIATED | INITIATED (new link) | ACTIVE | 409 | ACTIVE | 409 |
| ACTIVE | ACTIVE (new link) | ACTIVE | ACTIVE | ACTIVE | ACTIVE (no-op) |
| INACTIVE | 409 | 409 | 409 | INACTIVE | 409 |
| EXPIRED | EXPIRED (new link) | ACTIVE | 409 | ACTIVE | 409 |
| REVOKED | 409 | 409 | 409 | 409 | 409 |
| DELETED | 404 | 404 | 404 | 404 | 404 |
`

/** What the table says one cell does. */
export type SpecCell =
  | { kind: 'error'; status: 404 | 409 }
  | { kind: 'to'; status: AccountStatus; noop: boolean }

/** The table as (from, operation) → cell. */
export function specTable(text: string = SPEC_TABLE): Map<string, SpecCell> {
  const lines = text.trim().split('\n')
  const ops = (lines[0] as string)
    .split('|')
    .slice(2, -1)
    .map((s) => s.trim()) as Operation[]
  const cells = new Map<string, SpecCell>()
  for (const line of lines.slice(2)) {
    const [from, ...rest] = line
      .split('|')
      .slice(1, -1)
      .map((s) => s.trim())
    rest.forEach((text, i) => {
      const op = ops[i] as Operation
      const cell: SpecCell = /^\d{3}$/.test(text)
        ? { kind: 'error', status: Number(text) as 404 | 409 }
        : {
            kind: 'to',
            status: text.split(/[ ,]/)[0] as AccountStatus,
            noop: text.includes('no-op') || text.includes('no dispatch'),
          }
      cells.set(`${from}/${op}`, cell)
    })
  }
  return cells
}
