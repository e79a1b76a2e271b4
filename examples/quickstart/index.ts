import { randomBytes } from 'node:crypto'
import { createEngine, memoryStore } from '@revokit/core'
import { fakeAuthorizationServer } from '@revokit/core/testing'
import { rfc7009 } from '@revokit/rfc7009'

// A stand-in OAuth provider on 127.0.0.1 (authorize, token, revoke), so this runs offline.
const provider = await fakeAuthorizationServer()
const engine = createEngine({
  store: memoryStore(),
  // Tokens and PKCE verifiers reach the store only encrypted; keep a real key in your secrets.
  encryption: { keys: [{ key: randomBytes(32) }] },
  redirectUri: 'https://app.example.com/oauth/callback', // your route that calls completeAuthorization
  adapters: [
    rfc7009({
      toolkit: 'acme',
      authorizationEndpoint: `${provider.url}/authorize`,
      tokenEndpoint: `${provider.url}/token`,
      revocationEndpoint: `${provider.url}/revoke`,
      clientId: 'fake-client',
      clientSecret: provider.clientSecret,
      scopes: ['read'],
    }),
  ],
})

// Connect: send the user to redirectUrl; the provider sends their browser back to redirectUri.
const { id, redirectUrl } = await engine.initiate({ userId: 'alice', toolkit: 'acme' })
const { account } = await engine.completeAuthorization(provider.consent(redirectUrl))
console.log(account.status) // ACTIVE

// Use: fresh tokens, refreshed first (one grant, however many callers) when about to expire.
const { val } = await engine.credentials(id)
console.log(val.access_token === account.credentials.access_token) // true

// Disconnect: the tokens die at the provider.
const { revokedTokens } = await engine.revoke(id)
console.log(revokedTokens) // [ 'access_token', 'refresh_token' ]
console.log(provider.revoked.length) // 2
await engine.close()
await provider.close()
