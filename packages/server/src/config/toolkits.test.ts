// Toolkit entries of the real adapters, validated from their own definitions: the schema's own
// words under toolkits.<slug>.<option>, each declared endpoint checked once, declared secrets
// hidden, and nothing guessed from option names.
import type { RevokitError } from '@revokit/core'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config'

const KEY = 'toolkit-config-key-0001'
const config = (toolkits: Record<string, unknown>) =>
  JSON.stringify({ store: { kind: 'memory' }, projects: [{ id: 'p', apiKeys: [KEY] }], toolkits })
const refused = (toolkits: Record<string, unknown>) =>
  parseConfig(config(toolkits), { env: {} }).then(
    () => {
      throw new Error('expected the config to be refused')
    },
    (error: RevokitError) => error,
  )

describe('toolkit entries of the built-in adapters', () => {
  it('reports a bad declared endpoint once, in the server’s words, next to the schema’s other issues', async () => {
    const error = await refused({
      ghe: { adapter: 'github', clientSecret: 'fake-ghe-secret-1', baseUrl: 'http://ghe.example.com/api/v3' },
    })
    expect(error.errors).toEqual([
      'toolkits.ghe.baseUrl: must use https://; plain http:// is only accepted for loopback hosts such as 127.0.0.1',
      'toolkits.ghe.clientId: is required: the client ID of your OAuth App or GitHub App',
    ])
    expect(JSON.stringify(error.toEnvelope())).not.toContain('fake-ghe-secret-1')
  })

  it('names an unknown option with the adapter’s real options, and a cross-field rule under the entry', async () => {
    const error = await refused({
      gmail: { adapter: 'google', authMethod: 'none' },
      acme: { adapter: 'rfc7009', clientId: 'acme-app' },
    })
    expect(error.errors).toEqual([
      'toolkits.gmail: unknown option authMethod — remove it (options of "google": revocationEndpoint, clientId, clientSecret, scopes, authorizationEndpoint, tokenEndpoint)',
      'toolkits.acme: exactly one of revocationEndpoint and issuer is required (got neither)',
    ])
  })

  it('hides exactly the options a definition declares secret', async () => {
    const built = await parseConfig(
      config({
        github: { adapter: 'github', clientId: 'fake-visible-client-id', clientSecret: 'fake-gh-secret-2' },
        acme: {
          adapter: 'rfc7009',
          issuer: 'https://id.acme.example',
          clientId: 'acme-app',
          clientSecret: 'fake-acme-secret-3',
        },
      }),
      { env: {} },
    )
    expect([...built.secrets].sort()).toEqual(['fake-acme-secret-3', 'fake-gh-secret-2'])
    // The API key is hidden too, by the redactor that alone still knows it.
    expect(built.redactor(`x ${KEY} y`)).toBe('x [REDACTED] y')
  })
})
