// Groups a V8 CPU profile's self time by component (undici, node internals, revokit's engine
// parts, the adapter, GC, idle), in µs per unit of work.

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

// First match wins: the order goes from the most specific path to the most general.
const COMPONENTS: Array<[RegExp, string]> = [
  [/core\/(src|dist)\/.*(revoke\/dispatch|dispatch)/, 'revokit: dispatch'],
  [/core\/(src|dist)\/.*transport/, 'revokit: transport'],
  [/core\/(src|dist)\/.*memory-store/, 'revokit: memory store'],
  [/core\/(src|dist)\/.*(revoke\/claim|revoke\/commit|engine-core)/, 'revokit: claim + commit'],
  [/core\/(src|dist)\/.*redact/, 'revokit: redaction'],
  [/core\/(src|dist)\/.*ids/, 'revokit: ids'],
  [/core\/(src|dist)\//, 'revokit: engine (rest)'],
  [/rfc7009\/(src|dist)\//, 'adapter (rfc7009)'],
  [/undici\/lib\/(dispatcher|core)\//, 'undici: client + parser'],
  [/undici\/lib\/(api|handler|interceptor)\//, 'undici: request API + body stream'],
  [/undici\//, 'undici: other'],
  [/^node:internal\/(streams|webstreams)/, 'node: streams'],
  [/^node:internal\/(timers|async_hooks|process\/task_queues)|^node:timers/, 'node: timers + async'],
  [/^node:(net|internal\/net|internal\/stream_base|_http|internal\/http)/, 'node: net'],
  [/^node:/, 'node: other'],
]

const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'GC',
  '(idle)': 'idle',
  '(program)': 'V8 / native',
  '(root)': 'V8 / native',
}

/** Self time per component, in µs per unit (`units`: e.g. accounts revoked). Idle is left out. */
export function summarise(profile: CpuProfile, units: number): Record<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
  }
  const out: Record<string, number> = {}
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    const name =
      SPECIAL[frame.functionName] ??
      COMPONENTS.find(([pattern]) => pattern.test(frame.url))?.[1] ??
      (frame.url ? 'other JS' : 'V8 / native')
    out[name] = (out[name] ?? 0) + micros
  }
  delete out.idle
  for (const key of Object.keys(out)) out[key] = (out[key] as number) / units
  out.total = Object.values(out).reduce((a, b) => a + b, 0)
  return out
}
