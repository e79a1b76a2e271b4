import { defineConfig, type Options } from 'tsup'

/**
 * The build every published revokit package uses: ESM + CJS + `.d.ts` from `src/index.ts`.
 * A package's `tsup.config.ts` is one line; pass `entry` when it has subpath exports.
 */
export function revokitTsup(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node22',
    platform: 'node',
    treeshake: true,
    // tsup strips `node:` by default, which breaks builtins that exist only with the prefix
    // (`node:sqlite`, `node:test`); every Node revokit supports understands `node:` imports.
    removeNodeProtocol: false,
    ...overrides,
  })
}

export default revokitTsup()
