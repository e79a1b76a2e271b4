import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@revokit/presets/readme-example'
import { afterEach, expect, it } from 'vitest'
import { dbFiles } from './helpers'

// The example opens ./revokit.db in the directory it runs in, which is this package's.
const exampleDb = fileURLToPath(new URL('../revokit.db', import.meta.url))
const removeExampleDb = () => {
  for (const file of dbFiles(exampleDb)) rmSync(file, { force: true })
}
afterEach(removeExampleDb)

it('the README example runs as written, on a real file, and prints what its comments say', async () => {
  removeExampleDb()
  const { expected, printed } = await runReadmeExample(
    fileURLToPath(new URL('../README.md', import.meta.url)),
  )
  expect(expected.length).toBeGreaterThan(0)
  const normalise = (s: string) => s.replace(/\s+/g, '').replaceAll('"', "'")
  expect(printed.map(normalise)).toEqual(expected.map(normalise))
  expect(existsSync(exampleDb)).toBe(true)
}, 60_000)
