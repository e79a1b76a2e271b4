import type { AccountStatus } from './model'

/**
 * An operation that moves an account through its lifecycle. The first six are the status
 * operations; the rest belong to connecting and keeping a connection alive:
 * - `authorize`: start a new authorization for an existing account (refresh falling back to
 *   consent); the account keeps its status until it completes;
 * - `complete`: the provider's redirect came back and the code was exchanged;
 * - `refresh`: the refresh grant;
 * - `update`: tokens rotated outside revokit replace the stored ones;
 * - `read`: hand out credentials (writes nothing).
 */
export type Operation =
  | 'activate'
  | 'disable'
  | 'enable'
  | 'expire'
  | 'revoke'
  | 'delete'
  | 'authorize'
  | 'complete'
  | 'refresh'
  | 'update'
  | 'read'

/** Every operation, in the transition table's column order. */
export const OPERATIONS: readonly Operation[] = [
  'activate',
  'disable',
  'enable',
  'expire',
  'revoke',
  'delete',
  'authorize',
  'complete',
  'refresh',
  'update',
  'read',
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
    authorize: go('INITIATED'),
    complete: go('ACTIVE'),
    refresh: conflict,
    update: go('ACTIVE'),
    read: conflict,
  },
  ACTIVE: {
    activate: conflict,
    disable: go('INACTIVE'),
    enable: stay('ACTIVE'),
    expire: go('EXPIRED'),
    revoke: go('REVOKED'),
    delete: go('DELETED'),
    authorize: go('ACTIVE'),
    complete: go('ACTIVE'),
    refresh: go('ACTIVE'),
    update: go('ACTIVE'),
    read: stay('ACTIVE'),
  },
  INACTIVE: {
    activate: conflict,
    disable: stay('INACTIVE'),
    enable: go('ACTIVE'),
    expire: conflict,
    revoke: conflict,
    delete: go('DELETED'),
    authorize: conflict,
    complete: conflict,
    refresh: conflict,
    update: go('INACTIVE'),
    read: conflict,
  },
  EXPIRED: {
    activate: go('ACTIVE'),
    disable: conflict,
    enable: conflict,
    expire: stay('EXPIRED'),
    revoke: conflict,
    delete: go('DELETED'),
    authorize: go('EXPIRED'),
    complete: go('ACTIVE'),
    refresh: conflict,
    update: go('ACTIVE'),
    read: conflict,
  },
  REVOKED: {
    activate: conflict,
    disable: conflict,
    enable: conflict,
    expire: conflict,
    revoke: stay('REVOKED'),
    delete: go('DELETED'),
    authorize: conflict,
    complete: conflict,
    refresh: conflict,
    update: conflict,
    read: conflict,
  },
  DELETED: {
    activate: gone,
    disable: gone,
    enable: gone,
    expire: gone,
    revoke: gone,
    delete: gone,
    authorize: gone,
    complete: gone,
    refresh: gone,
    update: gone,
    read: gone,
  },
}

/** The table cell for `operation` on an account in `from`. */
export function transition(from: AccountStatus, operation: Operation): Transition {
  return TRANSITIONS[from][operation]
}
