import { randomBytes } from 'node:crypto'
import type { RotateKeysProgress, RotateKeysSummary } from '@revokit/core'
import { KEY_VARIABLE, newKey } from '../config/encryption'
import { openRevokit } from '../runtime'
import { CONFIG_OPTION, load, parse } from './args'
import { KEYGEN_HELP, ROTATE_KEY_HELP } from './help'
import { type CliIO, EXIT_FAILED, EXIT_OK, print, terminalSafe, UsageError } from './io'

/**
 * `revokit keygen`: prints a new encryption key (32 random bytes, base64) on stdout, alone, so
 * `export REVOKIT_ENCRYPTION_KEY=$(revokit keygen)` works; its id and what to do go to stderr.
 */
export async function keygen(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, { help: CONFIG_OPTION.help }, 'keygen')
  if (values.help) return print(io, KEYGEN_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'keygen')
  const { key, id } = newKey(randomBytes)
  io.stdout.write(`${key}\n`)
  io.stderr.write(
    `new encryption key, id ${id}: keep it secret and backed up (without it the stored tokens cannot be read); give it to the server as ${KEY_VARIABLE}\n`,
  )
  return EXIT_OK
}

/**
 * `revokit rotate-key`: re-encrypts, with the key in REVOKIT_ENCRYPTION_KEY, every record still
 * sealed with a key from REVOKIT_ENCRYPTION_KEYS_PREVIOUS (or stored before encryption was on),
 * with a progress line on stderr. Safe while `revokit serve` runs on the same store.
 */
export async function rotateKey(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, { ...CONFIG_OPTION }, 'rotate-key')
  if (values.help) return print(io, ROTATE_KEY_HELP)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'rotate-key')
  const config = await load(values.config, io)
  if (!config.encryption) {
    io.stderr.write(
      `error: ${KEY_VARIABLE} is not set, so there is no key to re-encrypt with\nfix: export the new key as ${KEY_VARIABLE} and the old ones as REVOKIT_ENCRYPTION_KEYS_PREVIOUS (comma-separated); make a key with: revokit keygen\n`,
    )
    return EXIT_FAILED
  }
  const revokit = await openRevokit(config)
  // One line a second at most (a page is 100 records), and the last one always.
  let printed = ''
  let printedAt = Number.NEGATIVE_INFINITY
  const show = (p: RotateKeysProgress, force: boolean) => {
    const line = `re-encrypting: ${p.scanned}/${p.total} read, ${p.rewritten} re-encrypted\n`
    if (line === printed || (!force && Date.now() - printedAt < 1000)) return
    io.stderr.write(line)
    printed = line
    printedAt = Date.now()
  }
  try {
    const summary = await revokit.engine.rotateKeys({ onProgress: (p) => show(p, false) })
    show(summary, true)
    io.stdout.write(`${rotationLine(summary)}\n`)
    for (const line of summary.errors) io.stderr.write(`  ${terminalSafe(line)}\n`)
    if (summary.failed > 0) {
      io.stderr.write(
        'fix: give the missing keys in REVOKIT_ENCRYPTION_KEYS_PREVIOUS and run revokit rotate-key again\n',
      )
      return EXIT_FAILED
    }
    if (summary.skipped > 0) {
      io.stderr.write(
        'note: skipped accounts had a revoke, refresh or authorization in progress; run revokit rotate-key again in a few minutes before removing the old keys\n',
      )
      return EXIT_FAILED
    }
    io.stdout.write('every record is encrypted with the current key: the previous keys can be removed\n')
    return EXIT_OK
  } finally {
    await revokit.close()
  }
}

/** One line saying what a rotation did; `revokit serve` logs the same counts. */
export function rotationLine(summary: RotateKeysSummary): string {
  return `re-encrypted ${summary.rewritten} of ${summary.scanned} records (${summary.skipped} skipped, ${summary.failed} failed)`
}
