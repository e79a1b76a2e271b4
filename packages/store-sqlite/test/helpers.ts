import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

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

/** A child process running one of `test/children/*.ts`, with its stdout as JSON lines. */
export interface Child {
  readonly process: ChildProcess
  /** Resolves with the next line the child prints, parsed as JSON. */
  next(): Promise<Record<string, unknown>>
  /** Writes one line to the child's stdin. */
  send(line: string): void
  /** Resolves with the exit code (or signal) once the child is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stderr(): string
}

/**
 * Starts `test/children/<name>.ts` in a real Node process running our TypeScript sources, the way
 * `pnpm exec node --conditions=@revokit/source --import @revokit/presets/register-source` would.
 * `process.execPath` is that same Node 24 binary (pnpm put it first on PATH for the test script),
 * and calling it directly keeps the test independent of pnpm being on PATH.
 */
export function startChild(name: string, env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@revokit/source',
      '--import',
      '@revokit/presets/register-source',
      '--disable-warning=ExperimentalWarning',
      join(PACKAGE_DIR, 'test', 'children', `${name}.ts`),
    ],
    { cwd: PACKAGE_DIR, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let errors = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8')
  })
  const lines: string[] = []
  const waiters: Array<(line: string) => void> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const waiter = waiters.shift()
    if (waiter) waiter(line)
    else lines.push(line)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    process: child,
    next() {
      const line = lines.shift()
      if (line !== undefined) return Promise.resolve(JSON.parse(line))
      return new Promise((resolve, reject) => {
        waiters.push((text) => resolve(JSON.parse(text)))
        exited.then(({ code, signal }) =>
          reject(new Error(`child ${name} exited (${code ?? signal}) before printing:\n${errors}`)),
        )
      })
    },
    send(line) {
      child.stdin?.write(`${line}\n`)
    },
    exited,
    stderr: () => errors,
  }
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
