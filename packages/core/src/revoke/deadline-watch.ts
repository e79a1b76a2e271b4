/**
 * One timer for every dispatch in flight: an adapter that hangs without using `context.http` (whose
 * requests time out on their own) is resolved as failed when its deadline passes. Checking a few
 * dozen entries every 20 ms costs far less than a timer per dispatch.
 */
export class DeadlineWatch {
  readonly #entries = new Set<{ due: number; expire(): void }>()
  #timer: ReturnType<typeof setInterval> | undefined

  /** Calls `entry.expire()` once `performance.now()` passes `entry.due`; returns a remover. */
  add(entry: { due: number; expire(): void }): () => void {
    this.#entries.add(entry)
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), 20)
      this.#timer.unref?.()
    }
    return () => this.#remove(entry)
  }

  #remove(entry: { due: number; expire(): void }) {
    this.#entries.delete(entry)
    if (this.#entries.size === 0 && this.#timer) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  #sweep() {
    const now = performance.now()
    for (const entry of this.#entries) {
      if (entry.due > now) continue
      this.#remove(entry)
      try {
        entry.expire()
      } catch {}
    }
  }
}
