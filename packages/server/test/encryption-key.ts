// The encryption key tests give the server: an obvious fake (32 bytes of 0x2a), so a persistent
// store opens as it would in production, with its tokens encrypted.

/** 32 bytes, base64, for REVOKIT_ENCRYPTION_KEY. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 0x2a).toString('base64')

/** `env` with the test key in REVOKIT_ENCRYPTION_KEY unless it sets that itself. */
export function withTestKey(env: Record<string, string> = {}): Record<string, string> {
  return { REVOKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env }
}
