import { invalidJson, payloadTooLarge, unsupportedMediaType } from './http-errors'
import { jsonErrorLocation } from './json-error'

/** The default request body limit: 64 KiB, far above any real set of credentials. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024

/**
 * Reads a JSON request body, enforcing the limit while the body streams in (a declared
 * `content-length` over the limit is refused before reading anything). Returns `undefined` when
 * there is no body. Throws 413 (too large), 415 (not JSON) or 400 (invalid JSON) for what it refuses.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw payloadTooLarge(limit)
  const contentType = request.headers.get('content-type')
  const bytes = await readLimited(request, limit)
  // The content type matters only for a body: `curl -X POST -d ''` sends a form type with none.
  if (bytes.byteLength === 0) return undefined
  if (contentType === null || !isJson(contentType)) throw unsupportedMediaType()

  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw invalidJson('it is not UTF-8')
  }
  if (text.trim().length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw invalidJson(jsonErrorLocation(text))
  }
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw payloadTooLarge(limit)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** `application/json` or `application/<x>+json`, with at most a UTF-8 charset parameter. */
function isJson(contentType: string): boolean {
  const [type = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase())
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) return false
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim())
    if (name === 'charset' && value.replaceAll('"', '') !== 'utf-8') return false
  }
  return true
}
