import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describePostgres, TEST_DATABASE_URL, testSchemas } from '@revokit/presets/postgres'
import { runReadmeExample } from '@revokit/presets/readme-example'
import { expect, it } from 'vitest'

const schemaName = testSchemas()

await describePostgres('README', () => {
  it('the example runs as written, on PostgreSQL, and prints what its comments say', async () => {
    // As written, except in this file's own schema, with DATABASE_URL set as a deployment sets it.
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
    expect(readme).toContain("schema: 'revokit'")
    const copy = fileURLToPath(new URL(`../.readme-${process.pid}.md`, import.meta.url))
    writeFileSync(copy, readme.replace("schema: 'revokit'", `schema: '${schemaName()}'`))
    const saved = process.env.DATABASE_URL
    process.env.DATABASE_URL = TEST_DATABASE_URL
    try {
      const { expected, printed } = await runReadmeExample(copy)
      expect(expected.length).toBeGreaterThan(0)
      const normalise = (s: string) => s.replace(/\s+/g, '').replaceAll('"', "'")
      expect(printed.map(normalise)).toEqual(expected.map(normalise))
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL
      else process.env.DATABASE_URL = saved
      rmSync(copy, { force: true })
    }
  }, 60_000)
})
