import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Child, startChild as start } from '@revokit/presets/child'

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const dirs: string[] = []

/** A path for a new database file in its own fresh directory under the OS temp dir. */
export function tempDbPath(name = 'revokit.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-sqlite-'))
  dirs.push(dir)
  return join(dir, name)
}

/** Removes every directory {@link tempDbPath} made; call from `afterAll`. */
export function removeTempDirs() {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** The three files SQLite may keep for a database in WAL mode. */
export function dbFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`]
}

/** Every byte SQLite keeps on disk for `path`, per file (missing files are empty). */
export function dbBytes(path: string): Record<string, Buffer> {
  return Object.fromEntries(
    dbFiles(path).map((file) => [file, existsSync(file) ? readFileSync(file) : Buffer.alloc(0)]),
  )
}

/** The files among `path`'s that contain `value`, as UTF-8 bytes anywhere in them. */
export function filesContaining(path: string, value: string): string[] {
  return findOnDisk(path, [value])[0] as string[]
}

/** For each value, the files among `path`'s that contain it; the files are read once. */
export function findOnDisk(path: string, values: readonly string[]): string[][] {
  const files = Object.entries(dbBytes(path))
  return values.map((value) => {
    const needle = Buffer.from(value, 'utf8')
    return files.filter(([, bytes]) => bytes.includes(needle)).map(([file]) => file)
  })
}

/** An obvious fake token, unique so a byte search cannot match anything else. */
export function fakeSecret(label = 'secret'): string {
  return `fake-${label}-${randomUUID()}`
}

export type { Child } from '@revokit/presets/child'

/** Starts `test/children/<name>.ts` in a real Node process running our TypeScript sources. */
export function startChild(name: string, env: Record<string, string>): Child {
  return start(join(PACKAGE_DIR, 'test', 'children', `${name}.ts`), { cwd: PACKAGE_DIR, env })
}

/**
 * The first `width`-character window of `secret` found in `bytes`, or undefined: a store that
 * keeps a token's tail, or a piece of it inside an encoding, still leaks it.
 */
export function windowIn(bytes: Buffer, secret: string, width = 8): string | undefined {
  for (let i = 0; i + width <= secret.length; i++) {
    const window = secret.slice(i, i + width)
    if (bytes.includes(Buffer.from(window, 'utf8'))) return window
  }
  return undefined
}

/** For each of `path`'s files holding an 8-character window of `secret`, `file: "window"`. */
export function windowsOnDisk(path: string, secret: string, width = 8): string[] {
  return Object.entries(dbBytes(path)).flatMap(([file, bytes]) => {
    const window = windowIn(bytes, secret, width)
    return window === undefined ? [] : [`${file}: "${window}"`]
  })
}
