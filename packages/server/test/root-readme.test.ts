import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { parseConfig } from '../src/config'
import { TEST_ENCRYPTION_KEY } from './encryption-key'

it("the root README's config example loads with the real adapters", async () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  const block = /```jsonc\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(block, 'a ```jsonc block in README.md').toBeTruthy()
  const config = await parseConfig(block as string, {
    file: '/tmp/revokit-readme/revokit.json',
    env: {
      REVOKIT_API_KEY: 'fake-api-key-readme-1',
      REVOKIT_AGENT_KEY: 'fake-api-key-readme-2',
      GITHUB_CLIENT_SECRET: 'fake-gh-secret-1',
      ACME_SECRET: 'fake-acme-1',
      REVOKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    },
  })
  expect(config.adapters.map((a) => [a.toolkit, a.supportsAccess, a.supportsRefresh])).toEqual([
    ['gmail', true, true],
    ['github', true, false],
    ['slack', true, false],
    ['acme', true, true],
  ])
  expect(config.store).toEqual({ kind: 'sqlite', path: '/tmp/revokit-readme/revokit.db' })
  expect(config.encryption?.keys).toHaveLength(1)
  expect(config.revoke).toEqual({ timeoutMs: 10000, deadlineMs: 30000, maxAttempts: 3 })
  expect(config.secrets).toEqual(
    expect.arrayContaining(['fake-gh-secret-1', 'fake-acme-1', TEST_ENCRYPTION_KEY]),
  )
  expect(config.redactor('key fake-api-key-readme-1')).not.toContain('fake-api-key-readme-1')
})
