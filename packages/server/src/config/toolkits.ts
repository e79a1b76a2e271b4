import {
  type AdapterDefinition,
  endpointProblem,
  formatIssues,
  isRevokitError,
  type RevocationAdapter,
  type SchemaIssue,
} from '@revokit/core'
import type { Kinds } from '../kinds'
import { isModuleSpecifier, loadAdapterModule } from './adapter-modules'
import { formatPath } from './problems'

// Each toolkit entry is `{ "adapter": KIND, ...options }`; KIND names a definition. Everything
// this file knows about an adapter comes from that definition: its options schema, which options
// hold secrets, which hold URLs that receive credentials, and its factory.

/** One `toolkits` entry, as the config wrote it (after `${ENV}` interpolation). */
export interface ToolkitEntry {
  readonly slug: string
  readonly kind: string
  /** Everything but `adapter`. */
  readonly options: Readonly<Record<string, unknown>>
}

/**
 * The definition each entry's kind names: a registered kind, else a module the kind names
 * (resolved from `dirs`). Entries whose kind is neither get a problem line instead.
 */
export async function resolveDefinitions(
  entries: readonly ToolkitEntry[],
  kinds: Kinds,
  dirs: readonly string[],
  problems: string[],
): Promise<Map<string, AdapterDefinition>> {
  const found = new Map<string, AdapterDefinition>()
  const loaded = new Map<string, ReturnType<typeof loadAdapterModule>>()
  for (const { slug, kind } of entries) {
    const field = `toolkits.${slug}.adapter`
    if (Object.hasOwn(kinds.adapters, kind)) {
      found.set(slug, kinds.adapters[kind] as AdapterDefinition)
      continue
    }
    const result = isModuleSpecifier(kind)
      ? await (loaded.get(kind) ?? loaded.set(kind, loadAdapterModule(kind, dirs)).get(kind))
      : undefined
    const known = Object.keys(kinds.adapters).map((k) => `"${k}"`)
    const useKnown = known.length
      ? `use one of ${known.join(', ')}`
      : 'no adapter kinds are registered in this build'
    if (result?.found) found.set(slug, result.definition)
    else if (result?.problem) problems.push(`${field}: ${result.problem}`)
    else if (result && /[@/]/.test(kind)) {
      problems.push(
        `${field}: "${kind}" is not installed where the config file is — install it there (npm install ${kind}), or ${useKnown}`,
      )
    } else
      problems.push(`${field}: "${kind.slice(0, 40)}" is not an adapter kind this build knows — ${useKnown}`)
  }
  return found
}

/** The values of the options each definition declares secret, to hide wherever text leaves. */
export function toolkitSecrets(
  entries: readonly ToolkitEntry[],
  definitions: ReadonlyMap<string, AdapterDefinition>,
): string[] {
  return entries.flatMap(({ slug, options }) =>
    (definitions.get(slug)?.secrets ?? []).flatMap((name) => {
      const value = options[name]
      return typeof value === 'string' && value !== '' ? [value] : []
    }),
  )
}

/**
 * Validates one entry with its definition and builds its adapter: the declared endpoints first
 * (https, or plain http on loopback), then the options schema, then `create`. Problems are lines
 * under `toolkits.<slug>.<option>`, from the issues' paths; `redact` hides secrets in any text an
 * adapter's factory throws.
 */
export function buildToolkit(
  entry: ToolkitEntry,
  definition: AdapterDefinition,
  redact: (text: string) => string,
  problems: string[],
): RevocationAdapter | undefined {
  const { slug, kind } = entry
  const base = `toolkits.${slug}`
  const at = (path: readonly PropertyKey[]) => formatPath(['toolkits', slug, ...path])
  const lines: string[] = []

  const badEndpoints = new Set<string>()
  for (const name of definition.endpoints) {
    const value = entry.options[name]
    if (typeof value !== 'string') continue
    const field = at([name])
    const problem = endpointProblem(value, field)
    if (problem) {
      badEndpoints.add(name)
      lines.push(`${field}: ${problem.slice(field.length).trim()}`)
    }
  }

  const parsed = definition.options.safeParse({ ...entry.options, toolkit: slug })
  if (!parsed.success) {
    // An endpoint already reported above is not reported again in the adapter's own words.
    const issues = parsed.error.issues.filter((issue) => !badEndpoints.has(String(issue.path[0])))
    lines.push(...optionLines(issues, definition, at))
  }
  if (lines.length > 0 || !parsed.success) {
    problems.push(...lines)
    return undefined
  }

  let adapter: RevocationAdapter
  try {
    adapter = definition.create(parsed.data)
  } catch (error) {
    const issues = (error as { issues?: unknown })?.issues
    if (Array.isArray(issues) && issues.length > 0) {
      problems.push(...optionLines(issues as SchemaIssue[], definition, at).map(redact))
    } else {
      // No guessing which option a message is about: it is reported under the entry.
      const details = isRevokitError(error) && error.errors.length > 0 ? error.errors : [messageOf(error)]
      problems.push(...details.map((line) => redact(`${base}: ${line}`)))
    }
    return undefined
  }
  if (!adapter || typeof adapter.revoke !== 'function') {
    problems.push(`${base}.adapter: the "${kind}" factory did not return an adapter`)
    return undefined
  }
  if (adapter.toolkit !== slug) {
    problems.push(
      `${base}.adapter: the "${kind}" adapter ignored the toolkit option (it serves "${adapter.toolkit}")`,
    )
    return undefined
  }
  return adapter
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function optionLines(
  issues: readonly SchemaIssue[],
  definition: AdapterDefinition,
  at: (path: readonly PropertyKey[]) => string,
): string[] {
  const shape = (definition.options as { shape?: unknown }).shape
  const allowed =
    shape !== null && typeof shape === 'object' ? Object.keys(shape).filter((k) => k !== 'toolkit') : []
  return formatIssues(issues, {
    noun: 'option',
    // Adapters word their own messages ("is required: the client ID of your OAuth App").
    messages: 'schema',
    formatPath: at,
    unknownHint: () =>
      ` — remove it${allowed.length ? ` (options of "${definition.name}": ${allowed.join(', ')})` : ''}`,
  })
}
