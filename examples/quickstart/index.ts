import { createServer } from 'node:http'
import { createEngine, memoryStore } from '@revokit/core'
import { google } from '@revokit/google'

// A stand-in for https://oauth2.googleapis.com/revoke, so this runs offline.
const provider = createServer((_req, res) => res.end('{}')).listen(0, '127.0.0.1')
await new Promise((resolve) => provider.once('listening', resolve))
const { port } = provider.address() as { port: number }

const engine = createEngine({
  store: memoryStore(),
  adapters: [google({ toolkit: 'gmail', revocationEndpoint: `http://127.0.0.1:${port}/revoke` })],
})
const account = await engine.create({
  userId: 'alice',
  toolkit: 'gmail',
  credentials: { access_token: 'fake-access', refresh_token: 'fake-refresh' },
})
const result = await engine.revoke(account.id)
console.log(result.revokedTokens) // [ 'access_token', 'refresh_token' ]
console.log(result.subjects) // { access_token: 'revoked', refresh_token: 'revoked' }
console.log(result.connectedAccount.status) // REVOKED
await engine.close()
provider.close()
