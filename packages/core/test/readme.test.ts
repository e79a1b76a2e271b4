import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@revokit/presets/readme-example'
import { expect, it } from 'vitest'

it('the README example runs as written and prints what its comments say', async () => {
  const { expected, printed } = await runReadmeExample(
    fileURLToPath(new URL('../README.md', import.meta.url)),
  )
  expect(expected.length).toBeGreaterThan(0)
  // Each console.log line's comment is how Node prints the value, modulo spacing and ids.
  const normalise = (s: string) => s.replace(/ca_[A-Za-z0-9_-]+/g, 'ca_…').replace(/\s+/g, '')
  expect(printed.map(normalise)).toEqual(expected.map(normalise))
})
