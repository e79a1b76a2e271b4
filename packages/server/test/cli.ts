// Runs the CLI: in-process through main() with captured output (every command test), or as a
// child process from source (node + the source condition) for the few tests that need a real
// process: the bin's own wiring, and signals.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { scaled } from '@revokit/presets/time'
import { main } from '../src/cli/main'
import type { Kinds } from '../src/kinds'
import { withTestKey } from './encryption-key'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const SOURCE_ARGS = ['--conditions=@revokit/source', '--import', '@revokit/presets/register-source']
export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
export const CLI_WITH_TEST_KINDS = fileURLToPath(
  new URL('./fixtures/cli-with-test-kinds.ts', import.meta.url),
)

/** Runs `revokit ARGS` from source in a child process and waits for it. */
export async function runCli(args: string[], env: Record<string, string> = {}, script = CLI) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [...SOURCE_ARGS, script, ...args],
      {
        cwd: packageDir,
        env: { PATH: process.env.PATH ?? '', ...withTestKey(env) },
        timeout: scaled(60_000),
      },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** Starts `revokit ARGS` from source and leaves it running. */
export function spawnCli(args: string[], env: Record<string, string> = {}, script = CLI): ChildProcess {
  return spawn(process.execPath, [...SOURCE_ARGS, script, ...args], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', ...withTestKey(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** A writable that remembers what was written. */
export function capture(tty = false) {
  let text = ''
  return {
    isTTY: tty,
    columns: 200,
    write(chunk: string) {
      text += chunk
      return true
    },
    get text() {
      return text
    },
  }
}

/**
 * Runs main() in this process with captured stdout/stderr, the given environment only (nothing
 * of this process's, but the test encryption key unless `env` sets REVOKIT_ENCRYPTION_KEY), and
 * the package directory as cwd. `kinds` defaults to the built-in ones.
 */
export async function runMain(
  args: string[],
  options: { env?: Record<string, string>; kinds?: Kinds; tty?: boolean; cwd?: string } = {},
) {
  const stdout = capture()
  const stderr = capture(options.tty)
  const code = await main(args, {
    stdout,
    stderr,
    env: withTestKey(options.env),
    cwd: options.cwd ?? packageDir,
    ...(options.kinds ? { kinds: options.kinds } : {}),
    signals: false,
    progress: { intervalMs: 0, redrawMs: 0 },
  })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** Writes `config` as revokit.json in a new temporary directory and returns its path. */
export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-cli-'))
  const file = join(dir, 'revokit.json')
  writeFileSync(file, JSON.stringify(config))
  return file
}
