/** A signal that aborts after `ms` or when `parent` aborts; call `dispose` when done. */
export interface TimeLimit {
  readonly signal: AbortSignal
  dispose(): void
}

/**
 * Like `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, but with a timer that is cleared
 * the moment the work is done and one listener on the parent. Per revoke and per subject this
 * measured markedly cheaper than `AbortSignal.any` under load (see `pnpm bench`).
 */
export function timeLimit(ms: number, parent?: AbortSignal): TimeLimit {
  const controller = new AbortController()
  const onParent = () => controller.abort(parent?.reason)
  if (parent?.aborted) controller.abort(parent.reason)
  else parent?.addEventListener('abort', onParent, { once: true })
  const timer = setTimeout(
    () => controller.abort(new DOMException('The revoke deadline passed', 'TimeoutError')),
    Math.max(1, Math.ceil(ms)),
  )
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParent)
    },
  }
}
