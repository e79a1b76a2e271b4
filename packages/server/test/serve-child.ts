// `revokit serve` in a real child process, for the tests that need one (signals, several
// instances on one database): writes the config to a temp dir, starts the server from source and
// follows its JSON log lines, so a test waits for what the server says, never for a guess.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, spawnCli } from './cli'

/** A running `revokit serve` child. */
export type ServeChild = ReturnType<typeof serveChild>

/**
 * Starts `revokit serve --config <file>` with `config` written to a fresh temp file, `env` for
 * the child (the test encryption key is added), and `script` (the CLI, or one with test kinds).
 * `url` resolves once it logs "listening".
 */
export function serveChild(config: Record<string, unknown>, env: Record<string, string> = {}, script = CLI) {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-serve-'))
  const file = join(dir, 'revokit.json')
  writeFileSync(file, JSON.stringify(config))
  const proc = spawnCli(['serve', '--config', file], env, script)
  let stdout = ''
  let stderr = ''
  const waiting: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = []
  // Complete lines only: a chunk may end mid-line.
  const lines = () =>
    stdout
      .slice(0, stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  proc.stdout?.on('data', (chunk) => {
    stdout += chunk
    for (const w of [...waiting]) {
      const line = lines().find((l) => l.msg === w.msg)
      if (line) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  /** Resolves with the first log line whose msg is `msg` (or rejects if the server exits first). */
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const line = lines().find((l) => l.msg === msg)
      if (line) return resolve(line)
      waiting.push({ msg, resolve })
      void exited.then((code) => reject(new Error(`serve exited ${code} before logging "${msg}": ${stderr}`)))
    })
  const url = logged('listening').then((line) => line.url as string)
  // A caller that never awaits `url` (the server died first) must not see an unhandled rejection.
  url.catch(() => {})
  /** SIGKILLs the child if it is still running. */
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  }
  return { proc, url, exited, logged, kill, logs: () => stdout, stderr: () => stderr }
}
