// The child's side of `startChild` (./child.ts): one JSON line per message to the parent, and
// the parent's lines from stdin.
import { createInterface } from 'node:readline'

/** Prints one JSON line for the parent test. */
export function say(message: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

// Listening from the start keeps the process alive until stopListening(), so a child whose
// work hangs on purpose stays up until the parent kills it.
const input = createInterface({ input: process.stdin })
const waiting: Array<(line: string) => void> = []
const early: string[] = []
input.on('line', (line) => {
  const waiter = waiting.shift()
  if (waiter) waiter(line)
  else early.push(line)
})

/** Resolves with the next line the parent writes to stdin. */
export function nextLine(): Promise<string> {
  const line = early.shift()
  if (line !== undefined) return Promise.resolve(line)
  return new Promise((resolve) => waiting.push(resolve))
}

/** Lets the process exit once the parent has nothing more to say. */
export function stopListening() {
  input.close()
}

/** An environment variable the parent must set. */
export function env(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`child: ${name} is not set`)
  return value
}
