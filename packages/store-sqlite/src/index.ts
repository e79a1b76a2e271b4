export { SqliteStoreError, type SqliteStoreErrorReason } from './errors'
export { SCHEMA_VERSION } from './migrations'
export { type SqliteStoreOptions, sqliteStore } from './sqlite-store'
