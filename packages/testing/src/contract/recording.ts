import { supportsSubject, TOKEN_SUBJECTS } from '@revokit/core'
import nock from 'nock'
import { beforeAll, describe, it } from 'vitest'
import { revokeRequest, settleRevoke } from '../dispatch'
import { createRecorder } from '../recorder'
import { type AdapterEnv, cassettePath } from '../run'
import { type AdapterContractOptions, list } from './options'
import { describeSettled } from './suite'

/**
 * The `REVOKIT_RECORD=1` suite: revoke a live token twice through core's dispatch, with the
 * recorder's dispatcher under the transport, and write both answers. Each revoke is one attempt:
 * a retry would record a second answer into the same cassette.
 */
export function describeRecording(options: AdapterContractOptions, title: string) {
  describe(`${title}: recording (REVOKIT_RECORD=1)`, () => {
    beforeAll(() => {
      nock.cleanAll()
      nock.enableNetConnect()
    })
    it('records the live revoked and already-revoked answers as scrubbed cassettes', async () => {
      const record = options.record
      if (!record) {
        throw new Error(
          `${options.provider}: REVOKIT_RECORD=1 is set but the contract has no \`record\` option naming its env vars`,
        )
      }
      const missing = [...Object.values(record.env), ...(record.originEnv ? [record.originEnv] : [])].filter(
        (name) => !process.env[name],
      )
      if (missing.length)
        throw new Error(`REVOKIT_RECORD=1 needs these environment variables: ${missing.join(', ')}`)
      const real = Object.fromEntries(
        Object.entries(record.env).map(([key, name]) => [key, process.env[name] as string]),
      )
      const token = real.token
      if (!token) throw new Error('record.env must name the variable holding the live token as `token`')
      const secretNames = new Set(options.secrets ?? [])
      const secrets: Record<string, string> = { token }
      const vars: Record<string, string> = {}
      for (const [key, value] of Object.entries(real)) {
        if (key === 'token') continue
        if (secretNames.has(key)) secrets[key] = value
        else vars[key] = value
      }
      const liveOrigin = record.originEnv ? (process.env[record.originEnv] as string) : options.origin
      const env: AdapterEnv = { origin: liveOrigin, vars: { ...options.vars, ...vars, ...secrets } }
      const scope = liveOrigin === options.origin ? {} : { scope: options.origin }
      const adapter = options.create(env)
      const subject =
        record.subject ?? TOKEN_SUBJECTS.find((s) => supportsSubject(adapter, s)) ?? ('access_token' as const)
      const recorder = createRecorder({ secrets, vars, exact: { subject } })
      const source = options.docsUrl ?? adapter.docsUrl
      if (!source) throw new Error("recording needs docsUrl (or the adapter's docsUrl) for the cassette meta")
      try {
        const request = revokeRequest(subject, token, { [subject]: token }, adapter.toolkit)
        const first = await settleRevoke(adapter, request, { dispatcher: recorder.dispatcher })
        if (first.outcome.type !== 'revoked') {
          recorder.discard()
          throw new Error(`the live revoke did not answer revoked: ${describeSettled(first)}`)
        }
        await recorder.write(cassettePath(options.cassetteDir, options.cassettes.revoked), {
          provider: options.provider,
          source,
          ...scope,
        })
        // A provider with no distinct already-revoked answer (RFC 7009 answers 200) records once.
        const alreadyRevoked = list(options.cassettes.alreadyRevoked)[0]
        if (alreadyRevoked === undefined) return
        const second = await settleRevoke(adapter, request, { dispatcher: recorder.dispatcher })
        if (second.outcome.type !== 'already_revoked') {
          recorder.discard()
          throw new Error(
            `revoking the same token again did not answer already_revoked: ${describeSettled(second)}`,
          )
        }
        await recorder.write(cassettePath(options.cassetteDir, alreadyRevoked), {
          provider: options.provider,
          source,
          ...scope,
        })
      } finally {
        await recorder.close()
      }
    }, 60_000)
  })
}
