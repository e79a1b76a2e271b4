import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@revokit/presets/readme-example'
import { expect, it } from 'vitest'

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url))
const cwd = fileURLToPath(new URL('..', import.meta.url))

it('the root README example runs as written and prints what its comments say', async () => {
  const { expected, printed, code } = await runReadmeExample(readme, { cwd })
  expect(expected.length).toBeGreaterThan(0)
  const normalise = (s: string) => s.replace(/\s+/g, '')
  expect(printed.map(normalise)).toEqual(expected.map(normalise))
  // The README and examples/quickstart/index.ts are the same program.
  expect(code.trim()).toBe(readFileSync(new URL('../index.ts', import.meta.url), 'utf8').trim())
})
