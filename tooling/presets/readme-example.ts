import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Runs the first ```ts block of a README as a real program (Node 24, TypeScript sources through
 * the `@revokit/source` condition) and returns what it printed next to what its
 * `console.log(x) // expected` comments say it prints, so a test can compare the two.
 */
export async function runReadmeExample(readmePath: string, options: { cwd?: string } = {}) {
  const text = readFileSync(readmePath, 'utf8')
  const match = /```ts\n([\s\S]*?)```/.exec(text)
  if (!match?.[1]) throw new Error(`${readmePath} has no \`\`\`ts block`)
  const code = match[1]
  const cwd = options.cwd ?? dirname(readmePath)
  const file = join(cwd, `.readme-example-${process.pid}.ts`)
  writeFileSync(file, code)
  try {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@revokit/source', '--import', '@revokit/presets/register-source', file],
      { cwd, timeout: 60_000 },
    )
    const expected = [...code.matchAll(/console\.log\(.*\)\s*\/\/\s*(.+)$/gm)].map((m) =>
      (m[1] as string).trim(),
    )
    const printed = stdout.trim().split('\n')
    return { expected, printed, code }
  } finally {
    rmSync(file, { force: true })
  }
}
