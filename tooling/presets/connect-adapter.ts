// For the cross-process refresh tests of every store: a test adapter whose refresh grants go to
// core's fakeAuthorizationServer, with client credentials the child processes know too.
import { createHash } from 'node:crypto'

/**
 * The test client's id and secret, registered at the parent test's `fakeAuthorizationServer`;
 * fixed, so the child processes know them too. Obvious fakes.
 */
export const FAKE_CLIENT = { id: 'fake-client-id', secret: 'fake-client-secret' } as const

/**
 * A test adapter that connects through the authorization server at `provider` (the parent
 * test's `fakeAuthorizationServer` on loopback, with client_secret_post), so every refresh grant
 * is a real HTTP request the parent counts. It revokes nothing: the refresh tests never revoke.
 *
 * Typed by its shape, not as `RevocationAdapter`: this package does not depend on @revokit/core
 * (core's own tests use these presets); `createEngine` checks the shape where it is passed in.
 */
export function connectAdapter(provider: string) {
  return {
    toolkit: 'test',
    supportsAccess: false,
    supportsRefresh: false,
    async revoke() {
      throw new Error('the refresh tests never revoke')
    },
    connect: {
      endpoints: () => ({
        authorizationEndpoint: `${provider}/authorize`,
        tokenEndpoint: `${provider}/token`,
      }),
      clientId: FAKE_CLIENT.id,
      clientAuth: 'client_secret_post' as const,
      clientSecret: () => FAKE_CLIENT.secret,
      scopes: ['read'],
    },
  }
}

/** What processes print instead of a token: its SHA-256, so no token reaches any output. */
export function fingerprint(token: unknown): string | null {
  return typeof token === 'string' ? createHash('sha256').update(token).digest('base64url') : null
}
