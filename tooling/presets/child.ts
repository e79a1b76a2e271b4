// For tests that spawn real child processes running revokit's TypeScript sources (several
// processes sharing one store), and for the children themselves: the parent's `startChild`, and
// the child's side of the JSON-lines conversation (`say`, `nextLine`, `env`, `stopListening`).
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** A child process running a `.ts` file, with its stdout as JSON lines. */
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
 * Starts `file` in a real Node process running our TypeScript sources, the way
 * `pnpm exec node --conditions=@revokit/source --import @revokit/presets/register-source` would,
 * from `cwd` (the package whose dependencies the child imports). `process.execPath` is that same
 * Node 24 binary (pnpm put it first on PATH for the test script), and calling it directly keeps
 * the test independent of pnpm being on PATH.
 */
export function startChild(file: string, options: { cwd: string; env: Record<string, string> }): Child {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@revokit/source',
      '--import',
      '@revokit/presets/register-source',
      '--disable-warning=ExperimentalWarning',
      file,
    ],
    { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] },
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
          reject(new Error(`child ${file} exited (${code ?? signal}) before printing:\n${errors}`)),
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
