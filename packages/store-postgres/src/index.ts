export { PostgresStoreError, type PostgresStoreErrorReason } from './errors'
export {
  type PostgresConnection,
  type PostgresStore,
  type PostgresStoreOptions,
  postgresStore,
} from './postgres-store'
