// One of several processes opening the same new file at the same moment: the schema must be
// migrated exactly once, with no process failing.
import { sampleRecord } from '@revokit/core/testing'
import { env, nextLine, say, stopListening } from '@revokit/presets/child-lines'
import { MIGRATIONS, type Migration } from '../../src/migrations'
import { type InternalSqliteStoreOptions, sqliteStore } from '../../src/sqlite-store'

const slowMs = Number(env('REVOKIT_SLOW_MS'))
// A step that takes a while inside the migrating transaction, so the processes really overlap,
// and leaves a trace of every time it ran.
const slow: Migration = {
  version: MIGRATIONS.length + 1,
  description: 'test: slow step that records each run',
  up(db) {
    db.exec('CREATE TABLE IF NOT EXISTS probe_runs (pid INTEGER NOT NULL) STRICT')
    db.prepare('INSERT INTO probe_runs (pid) VALUES (?)').run(process.pid)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slowMs)
  },
}

say({ ready: true, pid: process.pid })
await nextLine()
const options: InternalSqliteStoreOptions = { path: env('REVOKIT_DB'), migrations: [...MIGRATIONS, slow] }
const store = sqliteStore(options)
const record = sampleRecord({ userId: `pid-${process.pid}` })
say({ pid: process.pid, inserted: await store.insert(record, []) })
await store.close?.()
stopListening()
