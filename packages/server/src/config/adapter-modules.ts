import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type AdapterDefinition, isAdapterDefinition, redact, redactAndBound } from '@revokit/core'

// A config's `"adapter"` may name an npm package, or a path, whose module exports an adapter
// definition: `"adapter": "@acme/revokit-adapter"`, `"adapter": "./adapters/acme.js"`. It is
// resolved the way Node resolves an `import` (the package's `exports` with the `node`, `import`
// and `default` conditions, else `main`), from the config file's directory up, then from the
// working directory: so an adapter installed next to the config works without a fork.

/** What loading one `"adapter"` value gave. */
export type AdapterModule =
  | { readonly found: true; readonly definition: AdapterDefinition }
  | { readonly found: false; readonly problem: string | undefined }

const PATH_SPEC = /^(?:\.{1,2}(?:\/|$)|\/|file:)/
const PACKAGE_SPEC = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*(?:\/[^\s]*)?$/i
const CONDITIONS = ['node', 'import', 'module-sync', 'default']

/** True when `value` is shaped like a package name or a path, not a plain registered kind. */
export function isModuleSpecifier(value: string): boolean {
  return PATH_SPEC.test(value) || PACKAGE_SPEC.test(value)
}

/**
 * Imports the module `spec` names and takes its adapter definition (`definition`, else the
 * default export). `found: false` with no problem means no such package is installed, so the
 * caller may report the name as an unknown kind; a problem says what is wrong and the fix.
 */
export async function loadAdapterModule(spec: string, from: readonly string[]): Promise<AdapterModule> {
  const isPath = PATH_SPEC.test(spec)
  let file: string | undefined
  try {
    file = isPath ? resolvePath(spec, from[0] as string) : resolvePackage(spec, from)
  } catch (error) {
    return { found: false, problem: `"${spec}" could not be resolved: ${firstLine(error)}` }
  }
  if (file === undefined) {
    if (isPath) {
      return {
        found: false,
        problem: `"${spec}" does not exist (looked for ${resolve(from[0] as string, spec)}) — give the path of the adapter's module, relative to the config file`,
      }
    }
    return { found: false, problem: undefined }
  }
  let mod: Record<string, unknown>
  try {
    // The real path, as Node's own resolution gives: a linked package's imports resolve from
    // where it really lives.
    mod = (await import(pathToFileURL(realpathSync(file)).href)) as Record<string, unknown>
  } catch (error) {
    return { found: false, problem: `"${spec}" could not be loaded: ${firstLine(error)}` }
  }
  // A CommonJS module's exports arrive as `default`.
  const fromDefault = mod.default as Record<string, unknown> | undefined
  const candidate = mod.definition ?? fromDefault?.definition ?? mod.default
  if (!isAdapterDefinition(candidate)) {
    return {
      found: false,
      problem: `"${spec}" exports no adapter definition — the module must export \`definition\` (or a default export) made with defineAdapter() from @revokit/core`,
    }
  }
  return { found: true, definition: candidate }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return redactAndBound(text.split('\n')[0] ?? '', redact, 200)
}

function resolvePath(spec: string, dir: string): string | undefined {
  const path = spec.startsWith('file:') ? fileURLToPath(spec) : isAbsolute(spec) ? spec : resolve(dir, spec)
  if (!existsSync(path)) return undefined
  return statSync(path).isDirectory() ? packageEntry(path, '.') : path
}

/** The file `import(spec)` would load, looking in `node_modules` from each of `dirs` upwards. */
function resolvePackage(spec: string, dirs: readonly string[]): string | undefined {
  const parts = spec.split('/')
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
  const subpath = spec.length > name.length ? `.${spec.slice(name.length)}` : '.'
  for (const start of dirs) {
    for (let dir = start; ; dir = dirname(dir)) {
      const root = join(dir, 'node_modules', name)
      if (existsSync(join(root, 'package.json'))) return packageEntry(root, subpath)
      if (dirname(dir) === dir) break
    }
  }
  return undefined
}

/** A package's entry for `subpath` (`.` or `./sub`) under its `exports`, else `main`. */
function packageEntry(root: string, subpath: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports?: unknown
    main?: string
  }
  if (pkg.exports !== undefined) {
    const exportsMap =
      typeof pkg.exports === 'string' ||
      Array.isArray(pkg.exports) ||
      !Object.keys(pkg.exports as object).some((k) => k.startsWith('.'))
        ? { '.': pkg.exports }
        : (pkg.exports as Record<string, unknown>)
    const target = conditional(exportsMap[subpath])
    if (target === undefined) throw new Error(`its package.json "exports" has no "${subpath}" for import`)
    return join(root, target)
  }
  return join(root, subpath === '.' ? (pkg.main ?? 'index.js') : subpath)
}

function conditional(target: unknown): string | undefined {
  if (typeof target === 'string') return target
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = conditional(item)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (target !== null && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) {
      if (CONDITIONS.includes(condition)) {
        const found = conditional(value)
        if (found !== undefined) return found
      }
    }
  }
  return undefined
}
