import type { RevocationAdapter } from './adapter'
import { TOOLKIT_SLUG } from './options'

/**
 * Adapters keyed by toolkit slug. Checks each against the contract's shape, so a mistake in an
 * adapter fails when the engine is created, not during someone's revoke.
 */
export function createAdapterRegistry(
  adapters: readonly RevocationAdapter[],
): ReadonlyMap<string, RevocationAdapter> {
  const registry = new Map<string, RevocationAdapter>()
  for (const [index, adapter] of adapters.entries()) {
    const where = `adapters[${index}]`
    if (!adapter || typeof adapter !== 'object')
      throw new TypeError(`createEngine: ${where} is not an adapter object`)
    if (typeof adapter.toolkit !== 'string' || !TOOLKIT_SLUG.test(adapter.toolkit)) {
      throw new TypeError(`createEngine: ${where}.toolkit must be a lowercase slug such as "google"`)
    }
    if (typeof adapter.supportsAccess !== 'boolean' || typeof adapter.supportsRefresh !== 'boolean') {
      throw new TypeError(
        `createEngine: ${where} (${adapter.toolkit}) must declare supportsAccess and supportsRefresh`,
      )
    }
    if (typeof adapter.revoke !== 'function') {
      throw new TypeError(`createEngine: ${where} (${adapter.toolkit}) has no revoke() method`)
    }
    if (registry.has(adapter.toolkit)) {
      throw new TypeError(
        `createEngine: two adapters serve toolkit "${adapter.toolkit}"; give one a different toolkit option`,
      )
    }
    registry.set(adapter.toolkit, adapter)
  }
  return registry
}
