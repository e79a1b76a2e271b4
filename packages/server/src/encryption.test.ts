import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, parseEncryptionKey } from '@revokit/core'
import { sqliteStore } from '@revokit/store-sqlite'
import { describe, expect, it } from 'vitest'
import { capture, runMain } from '../test/cli'
import { main } from './cli/main'
import { parseConfig } from './config'

// Encryption at rest as the server runs it: the key from the environment, the refusal to put
// tokens on disk without one, and the commands that make and rotate keys.

// Random-looking, as real keys are: the redactor hides any 8 characters of a key, so a key made
// of words ("…-encryption-…") would also hide those words in the log lines this test reads.
const API_KEY = 'fake-api-key-7Hq2Zr9W'

function sqliteConfig(extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'revokit-enc-'))
  const file = join(dir, 'revokit.json')
  const db = join(dir, 'revokit.db')
  writeFileSync(
    file,
    JSON.stringify({
      store: { kind: 'sqlite', path: './revokit.db' },
      projects: [{ id: 'p', apiKeys: [API_KEY] }],
      ...extra,
    }),
  )
  return { file, db }
}

/** Every byte SQLite keeps for the database, as one buffer. */
const dbBytes = (db: string) =>
  Buffer.concat([db, `${db}-wal`].map((f) => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0))))

/** Opens `db` directly with an engine holding `keys`, for seeding and checking. */
function engineOn(db: string, keys: Buffer[]) {
  return createEngine({
    store: sqliteStore({ path: db }),
    adapters: [],
    ...(keys.length ? { encryption: { keys: keys.map((key) => ({ key })) } } : {}),
  })
}

describe('revokit serve and a persistent store', () => {
  it('refuses to start without REVOKIT_ENCRYPTION_KEY, naming the variable and the command that makes one', async () => {
    const { file, db } = sqliteConfig()
    const result = await runMain(['serve', '--port', '0', '--config', file], {
      env: { REVOKIT_ENCRYPTION_KEY: '' },
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('REVOKIT_ENCRYPTION_KEY is not set')
    expect(result.stderr).toContain('revokit keygen')
    expect(result.stderr).toContain('openssl rand -base64 32')
    expect(result.stderr).toContain('"encryption": "off"')
    // Refused before the store was opened: no file with plaintext tokens was created.
    expect(existsSync(db)).toBe(false)
  })

  it('refuses a key that is not 32 bytes of base64, naming the variable and never the value', async () => {
    const { file } = sqliteConfig()
    for (const bad of [
      'fake-short-key-123',
      randomBytes(16).toString('base64'),
      `${randomBytes(32).toString('base64')}!`,
    ]) {
      const result = await runMain(['accounts', 'list', '--config', file], {
        env: { REVOKIT_ENCRYPTION_KEY: bad },
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('REVOKIT_ENCRYPTION_KEY: is not 32 bytes of base64')
      expect(result.stdout + result.stderr).not.toContain(bad.slice(0, 8))
    }
    const previous = await runMain(['accounts', 'list', '--config', file], {
      env: { REVOKIT_ENCRYPTION_KEYS_PREVIOUS: `${randomBytes(32).toString('base64')},fake-bad-previous` },
    })
    expect(previous.stderr).toContain('REVOKIT_ENCRYPTION_KEYS_PREVIOUS (key 2): is not 32 bytes of base64')
  })

  it('"encryption": "off" stores plaintext by choice; a memory store needs no key', async () => {
    const off = await parseConfig(
      JSON.stringify({
        store: { kind: 'sqlite', path: '/tmp/x.db' },
        projects: [{ id: 'p', apiKeys: [API_KEY] }],
        encryption: 'off',
      }),
      { env: {} },
    )
    expect(off.encryption).toBeUndefined()
    const memory = await parseConfig(
      JSON.stringify({ store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [API_KEY] }] }),
      { env: {} },
    )
    expect(memory.encryption).toBeUndefined()
    // "off" with a key set is ambiguous, and refused rather than guessed.
    await expect(
      parseConfig(
        JSON.stringify({
          store: { kind: 'memory' },
          projects: [{ id: 'p', apiKeys: [API_KEY] }],
          encryption: 'off',
        }),
        { env: { REVOKIT_ENCRYPTION_KEY: randomBytes(32).toString('base64') } },
      ),
    ).rejects.toMatchObject({ slug: 'invalid_config' })
    await expect(
      parseConfig(
        JSON.stringify({
          store: { kind: 'memory' },
          projects: [{ id: 'p', apiKeys: [API_KEY] }],
          encryption: 'on',
        }),
        { env: {} },
      ),
    ).rejects.toMatchObject({ errors: [expect.stringContaining('encryption: must be "off"')] })
  })

  it('the key is one of the values redacted from logs', async () => {
    const key = randomBytes(32).toString('base64')
    const config = await parseConfig(
      JSON.stringify({ store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [API_KEY] }] }),
      { env: { REVOKIT_ENCRYPTION_KEY: key } },
    )
    expect(config.secrets).toContain(key)
    expect(JSON.stringify(config)).not.toContain(key)
  })
})

describe('revokit keygen', () => {
  it('prints a fresh 32-byte base64 key alone on stdout, its id on stderr', async () => {
    const first = await runMain(['keygen'])
    const second = await runMain(['keygen'])
    expect(first.code).toBe(0)
    const key = first.stdout.trim()
    expect(first.stdout).toBe(`${key}\n`)
    expect(parseEncryptionKey(key)).toHaveLength(32)
    expect(second.stdout.trim()).not.toBe(key)
    expect(first.stderr).toMatch(/id [A-Za-z0-9_-]{8}.*REVOKIT_ENCRYPTION_KEY/)
    expect(first.stderr).not.toContain(key)
  })
})

describe('revokit rotate-key', () => {
  it('re-encrypts every record under the new key; afterwards the old key is not needed', async () => {
    const { file, db } = sqliteConfig()
    const oldKey = randomBytes(32)
    const newKey = randomBytes(32)
    const seed = engineOn(db, [oldKey])
    const tokens = new Map<string, string>()
    for (let i = 0; i < 3; i++) {
      const token = `fake-at-rotate-${i}-${randomBytes(6).toString('hex')}`
      tokens.set(
        (await seed.create({ userId: `u${i}`, toolkit: 'acme', credentials: { access_token: token } })).id,
        token,
      )
    }
    await seed.close()
    const env = {
      REVOKIT_ENCRYPTION_KEY: newKey.toString('base64'),
      REVOKIT_ENCRYPTION_KEYS_PREVIOUS: oldKey.toString('base64'),
    }
    const result = await runMain(['rotate-key', '--config', file], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('re-encrypted 3 of 3 records (0 skipped, 0 failed)')
    expect(result.stdout).toContain('the previous keys can be removed')
    expect(result.stderr).toContain('re-encrypting: 3/3 read, 3 re-encrypted')
    const again = await runMain(['rotate-key', '--config', file], { env })
    expect(again.stdout).toContain('re-encrypted 0 of 3 records')

    const check = engineOn(db, [newKey])
    for (const [id, token] of tokens) expect((await check.credentials(id)).val.access_token).toBe(token)
    await check.close()
    for (const token of tokens.values()) expect(dbBytes(db).includes(token.slice(-8))).toBe(false)
  })

  it('without the old key: exit 1, the account named, the fix printed', async () => {
    const { file, db } = sqliteConfig()
    const seed = engineOn(db, [randomBytes(32)])
    const { id } = await seed.create({
      userId: 'u',
      toolkit: 'acme',
      credentials: { access_token: 'fake-at-lost-key-1' },
    })
    await seed.close()
    const result = await runMain(['rotate-key', '--config', file], {
      env: { REVOKIT_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('1 failed')
    expect(result.stderr).toContain(id)
    expect(result.stderr).toContain('REVOKIT_ENCRYPTION_KEYS_PREVIOUS')
  })

  it('serve re-encrypts records under a previous key in the background after start-up', async () => {
    const { file, db } = sqliteConfig()
    const oldKey = randomBytes(32)
    const newKey = randomBytes(32)
    const seed = engineOn(db, [oldKey])
    const { id } = await seed.create({
      userId: 'u',
      toolkit: 'acme',
      credentials: { access_token: 'fake-at-serve-rotate' },
    })
    await seed.close()
    const stdout = capture()
    let logged: () => void = () => {}
    const done = new Promise<void>((resolve) => {
      logged = resolve
    })
    const watching = {
      ...stdout,
      write(chunk: string) {
        stdout.write(chunk)
        if (chunk.includes('encryption: re-encrypted')) logged()
        return true
      },
    }
    const code = await main(['serve', '--port', '0', '--config', file], {
      stdout: watching,
      stderr: capture(),
      env: {
        REVOKIT_ENCRYPTION_KEY: newKey.toString('base64'),
        REVOKIT_ENCRYPTION_KEYS_PREVIOUS: oldKey.toString('base64'),
      },
      signals: false,
      onListening: (running) => void done.then(() => running.close()),
    })
    expect(code).toBe(0)
    expect(stdout.text).toContain('re-encrypted 1 of 1 records')
    const check = engineOn(db, [newKey])
    expect((await check.credentials(id)).val.access_token).toBe('fake-at-serve-rotate')
    await check.close()
  })
})
