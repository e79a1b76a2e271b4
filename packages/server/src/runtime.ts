import {
  createEngine,
  createRedactor,
  type Engine,
  type EngineOptions,
  type Logger,
  RevokitError,
  redact,
  redactingLogger,
  type Store,
} from '@revokit/core'
import type { RevokitConfig } from './config'
import { createHandler, type HandlerOptions, type RevokitHandler } from './handler'
import { type ListenAddress, redirectUriFor } from './public-url'

/** Options of {@link openRevokit}. */
export interface OpenRevokitOptions {
  /** pino or `jsonLogger()`; redacted with the config's API keys and secrets. Nothing is logged without one. */
  logger?: Logger
  /** Engine options the config file does not set (timeouts, a proxy dispatcher, …). */
  engine?: Omit<EngineOptions, 'store' | 'adapters' | 'logger'>
  /** Handler options the config file does not set. */
  handler?: Pick<HandlerOptions, 'maxBodyBytes' | 'readinessTimeoutMs' | 'now'>
  /**
   * Where the server will listen, for the redirect URI when the config has no `publicUrl`
   * (see {@link redirectUriFor}). @default { host: '127.0.0.1', port: config.port }
   */
  listen?: ListenAddress
}

/** An engine and a handler built from a config: what `revokit serve` runs. */
export interface Revokit {
  readonly config: RevokitConfig
  readonly engine: Engine
  readonly handler: RevokitHandler
  /**
   * The OAuth redirect URI the engine uses (`{publicUrl}/api/v3/toolkits/auth/callback`), or
   * undefined when there is none and connecting accounts answers 400 `redirect_uri_required`.
   */
  readonly redirectUri: string | undefined
  /** The logger everything here writes to, already redacting. */
  readonly logger: Logger | undefined
  /** Closes the engine: its transport, adapters and store. */
  close(): Promise<void>
}

/** Opens the config's store and builds the engine and the HTTP handler on it. */
export async function openRevokit(config: RevokitConfig, options: OpenRevokitOptions = {}): Promise<Revokit> {
  // A config built by hand (not by parseConfig) may come without one.
  const redactor = config.redactor ?? createRedactor(config.secrets)
  const logger = options.logger ? redactingLogger(options.logger, redactor) : undefined
  const store = await openStore(config, redactor)
  const redirectUri =
    options.engine?.redirectUri ??
    redirectUriFor(config.publicUrl, options.listen ?? { host: '127.0.0.1', port: config.port })
  let engine: Engine
  try {
    engine = createEngine({
      ...config.revoke,
      ...(config.encryption ? { encryption: config.encryption } : {}),
      ...options.engine,
      ...(redirectUri !== undefined ? { redirectUri } : {}),
      store,
      adapters: config.adapters,
      // Every secret of the config is hidden in whatever the engine writes (stored failures and
      // events included), not only in what the HTTP handler answers.
      secrets: config.secrets,
      ...(logger ? { logger } : {}),
    })
  } catch (error) {
    await store.close?.()
    throw error
  }
  const handler = createHandler({
    engine,
    projects: config.projects,
    redactor,
    rateLimit: config.rateLimit,
    ...(logger ? { logger } : {}),
    ...options.handler,
  })
  let closed: Promise<void> | undefined
  return {
    config,
    engine,
    handler,
    redirectUri,
    logger,
    close: () => {
      closed ??= engine.close()
      return closed
    },
  }
}

async function openStore(config: RevokitConfig, redactor: (text: string) => string): Promise<Store> {
  const { kind, ...options } = config.store
  const factory = config.kinds.stores[kind]
  if (!factory) {
    throw new RevokitError('invalid_config', {
      message: `Invalid config: store.kind "${kind}" is not available in this build.`,
      suggestedFix: `Use one of ${Object.keys(config.kinds.stores).join(', ')}.`,
      errors: [`store.kind: "${kind}" is not available`],
    })
  }
  try {
    return await factory(options)
  } catch (error) {
    const detail = redactor(redact(error instanceof Error ? error.message : String(error)))
    const field = 'path' in options ? 'store.path' : 'url' in options ? 'store.url' : 'store'
    throw new RevokitError('invalid_config', {
      message: `Invalid config: the ${kind} store could not be opened: ${detail}`,
      suggestedFix:
        kind === 'sqlite'
          ? 'Check that the directory of store.path exists and is writable by this user.'
          : kind === 'postgres'
            ? 'Check that PostgreSQL is reachable at store.url, that its user may log in, and that it may create the schema (or that the schema exists and is its own).'
            : 'Check the store settings.',
      errors: [`${field}: ${detail}`],
      cause: error,
    })
  }
}
