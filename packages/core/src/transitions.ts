import type { AccountStatus } from './model'

/** An operation that moves an account through its lifecycle. */
export type Operation = 'activate' | 'disable' | 'enable' | 'expire' | 'revoke' | 'delete'

/** Every operation, in the transition table's column order. */
export const OPERATIONS: readonly Operation[] = [
  'activate',
  'disable',
  'enable',
  'expire',
  'revoke',
  'delete',
]

/** One cell of the transition table. */
export type Transition =
  /** The operation moves the account to `to` (`noop`: it is already there; nothing is written). */
  | { readonly allowed: true; readonly to: AccountStatus; readonly noop: boolean }
  /** The operation is refused with this HTTP status: 409 (wrong state) or 404 (deleted). */
  | { readonly allowed: false; readonly status: 404 | 409 }

const go = (to: AccountStatus): Transition => ({ allowed: true, to, noop: false })
const stay = (to: AccountStatus): Transition => ({ allowed: true, to, noop: true })
const conflict: Transition = { allowed: false, status: 409 }
const gone: Transition = { allowed: false, status: 404 }

/**
 * The lifecycle of a connected account, cell for cell: rows are the current status, columns the
 * operation. This table is the only place that decides whether an operation is allowed; the
 * engine asks it for every transition, revoke included.
 */
export const TRANSITIONS: Readonly<Record<AccountStatus, Readonly<Record<Operation, Transition>>>> = {
  INITIATED: {
    activate: go('ACTIVE'),
    disable: conflict,
    enable: conflict,
    expire: go('EXPIRED'),
    revoke: conflict,
    delete: go('DELETED'),
  },
  ACTIVE: {
    activate: conflict,
    disable: go('INACTIVE'),
    enable: stay('ACTIVE'),
    expire: go('EXPIRED'),
    revoke: go('REVOKED'),
    delete: go('DELETED'),
  },
  INACTIVE: {
    activate: conflict,
    disable: stay('INACTIVE'),
    enable: go('ACTIVE'),
    expire: conflict,
    revoke: conflict,
    delete: go('DELETED'),
  },
  EXPIRED: {
    activate: go('ACTIVE'),
    disable: conflict,
    enable: conflict,
    expire: stay('EXPIRED'),
    revoke: conflict,
    delete: go('DELETED'),
  },
  REVOKED: {
    activate: conflict,
    disable: conflict,
    enable: conflict,
    expire: conflict,
    revoke: stay('REVOKED'),
    delete: go('DELETED'),
  },
  DELETED: {
    activate: gone,
    disable: gone,
    enable: gone,
    expire: gone,
    revoke: gone,
    delete: gone,
  },
}

/** The table cell for `operation` on an account in `from`. */
export function transition(from: AccountStatus, operation: Operation): Transition {
  return TRANSITIONS[from][operation]
}
