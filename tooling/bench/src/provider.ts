// A minimal RFC 7009 revocation endpoint for benchmarks, run in its own process so its CPU is
// not charged to the client being measured. Answers 200 to a well-formed, authenticated POST.
import { createServer } from 'node:http'

// RFC 6749 §2.3.1: id and secret are form-encoded before base64, and clients differ in how much
// they encode (openid-client encodes '-'), so decode before comparing, as a real server does.
const formDecode = (s: string) => decodeURIComponent(s.replaceAll('+', ' '))
function basicOk(header: string | undefined): boolean {
  if (!header?.startsWith('Basic ')) return false
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return (
    formDecode(decoded.slice(0, colon)) === 'bench-client' &&
    formDecode(decoded.slice(colon + 1)) === 'bench-secret'
  )
}
let served = 0
const delayMs = Number(process.env.BENCH_PROVIDER_MS ?? 0)
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/.well-known/oauth-authorization-server') {
    const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, revocation_endpoint: `${issuer}/revoke` }),
    )
    return
  }
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => {
    body += chunk
  })
  req.on('end', () => {
    const form = new URLSearchParams(body)
    const authed = basicOk(req.headers.authorization) || form.get('client_secret') === 'bench-secret'
    if (req.method !== 'POST' || req.url !== '/revoke' || !form.get('token') || !authed) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
      return
    }
    served++
    // BENCH_PROVIDER_MS simulates a real authorization server's service time (token lookup,
    // database write); 0 makes the comparison CPU-bound on the client, the worst case for layers.
    if (delayMs > 0) {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}'),
        delayMs,
      )
      return
    }
    // RFC 7009 clients ignore the body; simple-oauth2 insists on JSON, so every contender gets {}.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}')
  })
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`)
})
process.on('message', (message) => {
  if (message === 'served') process.send?.(served)
})
process.on('disconnect', () => server.close(() => process.exit(0)))
