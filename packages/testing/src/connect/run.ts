import {
  type ConnectEndpoints,
  createHttpTransport,
  exchangeCode,
  type GrantResult,
  type OAuthConnector,
  refreshGrant,
} from '@revokit/core'
import { canary } from '../canary'
import { type MountedCassette, mountCassette } from '../nock'
import { type ContractRun, cassettePath, createContractRun, exposedText } from '../run'
import { findLeaks } from '../scrub'
import { CONNECTOR_KIT_NOW, type ConnectorContractOptions } from './options'

/** The state the kit's callbacks carry; the engine's own state handling is not under test here. */
export const KIT_STATE = 'kit-state'

/** The redirect URI the kit's codes are issued for, unless the options name one. */
export const KIT_REDIRECT_URI = 'https://app.example.test/callback'

/** One connector contract run: fresh canaries, the adapter built with them, its connector. */
export interface ConnectRun {
  readonly base: ContractRun
  readonly connector: OAuthConnector
  /** Every placeholder value of the run (tokens, code, verifier, app vars and secrets, redirect URI). */
  readonly vars: Readonly<Record<string, string>>
  /** Mounts a cassette from the contract's folder with this run's values. */
  cassette(file: string): MountedCassette
  /** The connector's endpoints, on the kit's undici transport (mounting the discovery cassette once). */
  endpoints(): Promise<ConnectEndpoints>
  /** Exchanges the run's code through core's `exchangeCode` (at `at`, by default the connector's endpoints). */
  exchange(at?: ConnectEndpoints): Promise<GrantResult>
  /** Sends the refresh grant with the run's `refresh_token` through core's `refreshGrant`. */
  refresh(at?: ConnectEndpoints): Promise<GrantResult>
  /** Every leak of this run's secrets (tokens, code, verifier, client secret) in `texts`. */
  leaks(...texts: unknown[]): string[]
  close(): Promise<void>
}

/** Starts a connector run. */
export function createConnectRun(options: ConnectorContractOptions): ConnectRun {
  const base = createContractRun(options)
  const connector = base.adapter.connect
  if (!connector) {
    throw new TypeError(
      `describeConnector(${options.provider}): the adapter declares no connect; configure its connect options in create()`,
    )
  }
  const redirectUri = options.redirectUri ?? KIT_REDIRECT_URI
  const minted: Record<string, string> = {}
  for (const name of [
    'code',
    'code_verifier',
    'new_access_token',
    'new_refresh_token',
    ...(options.tokens ?? []),
  ])
    minted[name] = canary(`${options.provider}-${name}`)
  const vars: Record<string, string> = {
    ...base.env.vars,
    ...base.tokens,
    ...minted,
    redirect_uri: redirectUri,
  }
  const secrets = { ...base.secrets, ...minted }
  const transport = createHttpTransport({ timeoutMs: 5_000 })
  const deadline = () => Date.now() + 10_000
  let discovery: MountedCassette | undefined
  const cassette = (file: string) =>
    mountCassette(cassettePath(options.cassetteDir, file), { vars, where: file })

  async function endpoints(): Promise<ConnectEndpoints> {
    if (options.cassettes.discovery && !discovery) discovery = cassette(options.cassettes.discovery)
    const signal = AbortSignal.timeout(10_000)
    return connector?.endpoints({
      http: transport.client({ deadline: deadline(), cancel: signal }),
      signal,
    }) as ConnectEndpoints | Promise<ConnectEndpoints>
  }
  const grantOptions = () => ({ transport, deadline: deadline(), clock: () => CONNECTOR_KIT_NOW })

  return {
    base,
    connector,
    vars,
    cassette,
    endpoints,
    async exchange(given) {
      const at = given ?? (await endpoints())
      return exchangeCode(connector, at, {
        ...grantOptions(),
        callback: new URLSearchParams({ code: vars.code as string, state: KIT_STATE }),
        state: KIT_STATE,
        redirectUri,
        codeVerifier: connector.pkce === false ? null : (vars.code_verifier as string),
      })
    },
    async refresh(given) {
      const at = given ?? (await endpoints())
      return refreshGrant(connector, at, { ...grantOptions(), refreshToken: vars.refresh_token as string })
    },
    leaks: (...texts) => findLeaks(texts.map(exposedText).join('\n'), secrets),
    close: () => transport.close(),
  }
}

/** `{{name}}` placeholders in an expected value, filled with the run's values. */
export function fillExpected(value: unknown, vars: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string')
    return value.replace(/\{\{([A-Za-z0-9_]+)\}\}/g, (whole, name: string) => vars[name] ?? whole)
  if (Array.isArray(value)) return value.map((item) => fillExpected(item, vars))
  // vitest's asymmetric matchers (expect.stringMatching) are kept as they are.
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  )
    return value
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillExpected(v, vars)]))
  return value
}
