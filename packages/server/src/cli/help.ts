import { UsageError } from './io'

/** How long `revokit connect` waits by default, in seconds: the authorization link's own default lifetime. */
export const DEFAULT_CONNECT_TIMEOUT_S = 600

// What `revokit … --help` prints. Each text: what the command does, its options, an example.

export const ROOT_HELP = `revokit — revoke your users' OAuth tokens at the provider

Usage
  revokit <command> [options]

Commands
  serve              Run the connected-accounts HTTP API on this machine
  worker             Run background work (retry pending revokes, expire lapsed links)
  connect --user U --toolkit T
                     Connect a user's account: print the consent link, wait until ACTIVE
  revoke ID          Revoke one connected account's tokens at the provider
  revoke --user U    Revoke every ACTIVE account of a user (or --toolkit T), with progress
  accounts list      List connected accounts
  accounts refresh ID
                     Refresh an account's tokens (or print the link to reconnect it)
  keygen             Print a new encryption key for REVOKIT_ENCRYPTION_KEY
  rotate-key         Re-encrypt every stored token with the current encryption key

Every command reads the same JSON config file as serve (--config, or $REVOKIT_CONFIG, or
./revokit.json) and works directly on its store.

Options
  -h, --help         Show help (also: revokit <command> --help)
  -v, --version      Print the version

Exit codes: 0 done, 1 failed (a revoke failed, the config is invalid, …), 2 wrong usage.

Encryption at rest: a persistent store needs REVOKIT_ENCRYPTION_KEY (make one with
'revokit keygen'), unless the config says "encryption": "off".

Example
  export REVOKIT_ENCRYPTION_KEY=$(revokit keygen)
  REVOKIT_API_KEY=… revokit serve --config ./revokit.json --port 8080
`

export const WORKER_HELP = `revokit worker — run background work on the store

Runs engine.reconcile() every --interval seconds until SIGTERM or SIGINT: subjects left pending
by a partial revoke are revoked again with exponential backoff and given up on after a maximum
number of tries (a revoke_gave_up event), and INITIATED accounts whose link has lapsed become
EXPIRED. The work is derived from the accounts in the store, so any number of workers and
servers may run at once on one store: each retry holds the account's revoke claim. Logs one
JSON line per pass that did something, on stdout.

Usage
  revokit worker [--config FILE] [--interval N]

Options
  -c, --config FILE  Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
      --interval N   Seconds between passes (default 30)
  -h, --help         Show this help

Example
  revokit worker --config ./revokit.json
  revokit serve --config ./revokit.json --worker   # one machine: the server does it too
`

export const SERVE_HELP = `revokit serve — run the HTTP API

Serves the connected-accounts API (POST/GET/PATCH/DELETE /api/v3/connected_accounts, POST
/api/v3.1/connected_accounts/{nanoid}/revoke, connecting: POST …/connected_accounts/link, the
OAuth redirect GET /api/v3/toolkits/auth/callback, …/{nanoid}/refresh and …/{nanoid}/credentials),
/openapi.json, /healthz and /readyz. Logs one
JSON line per request on stdout, with tokens, secrets and API keys redacted. SIGTERM or SIGINT
shuts down gracefully: no new connections, requests in flight finish, the store is closed; a
second signal stops at once.

With a persistent store (sqlite) tokens are stored encrypted with the key in
REVOKIT_ENCRYPTION_KEY (32 random bytes, base64: revokit keygen); serve refuses to start
without one unless the config says "encryption": "off". Records still under a key from
REVOKIT_ENCRYPTION_KEYS_PREVIOUS are re-encrypted in the background after start-up.

Usage
  revokit serve [--config FILE] [--port N] [--host H] [--worker [--interval N]]

Options
  -c, --config FILE  Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
  -p, --port N       Port to listen on; overrides the config's "port" (default 8080; 0 = any free port)
      --host H       Address to listen on (default 127.0.0.1: this machine only)
      --worker       Also run the background work of 'revokit worker' in this process
      --interval N   Seconds between background passes (default 30)
  -h, --help         Show this help

Example
  export REVOKIT_API_KEY=$(openssl rand -hex 32)
  export REVOKIT_ENCRYPTION_KEY=$(revokit keygen)
  revokit serve --config ./revokit.json --port 8080
  curl -X POST -H "x-api-key: $REVOKIT_API_KEY" http://127.0.0.1:8080/api/v3.1/connected_accounts/ca_1a2b3c4d5e6f/revoke
`

export const REVOKE_HELP = `revokit revoke — revoke tokens at the provider

With an account id, revokes that account and prints what died at the provider. With
--user and/or --toolkit, revokes every ACTIVE account that matches, a few at a time, showing a
progress bar on stderr and a table of outcomes at the end. Accounts already REVOKED are left
alone; an account whose revoke failed stays ACTIVE with its tokens, so run the command again
later to retry it.

Usage
  revokit revoke ID [--config FILE] [--project P] [--retry-pending] [--json]
  revokit revoke --user U [--toolkit T] [--config FILE] [--project P] [--concurrency N] [--dry-run] [--json]
  revokit revoke --toolkit T [--config FILE] [--project P] [--concurrency N] [--dry-run] [--json]

Options
  -c, --config FILE      Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
      --project P        Project the account(s) must belong to (bulk default: the config's first project)
  -u, --user U           Bulk: accounts of this user id (repeat or comma-separate for several)
  -t, --toolkit T        Bulk: accounts of this toolkit slug (repeat or comma-separate for several)
      --concurrency N    Bulk: revokes in flight at once (default 4, at most 64)
      --dry-run          Bulk: only count the accounts that would be revoked
      --retry-pending    One account: on a REVOKED account whose token failed to revoke
                         earlier, try that token again
      --json             Print the API's JSON (one account) or a JSON summary (bulk)
  -h, --help             Show this help

Exit code 1 when the revoke failed (one account) or when any account failed (bulk).

Examples
  revokit revoke ca_1a2b3c4d5e6f --config ./revokit.json
  revokit revoke --user alice --config ./revokit.json
  revokit revoke --toolkit github --concurrency 8 --config ./revokit.json
`

export const CONNECT_HELP = `revokit connect — connect a user's account through the provider's consent screen

Starts an authorization for the user and toolkit (the account is created INITIATED), prints the
provider's consent link, and waits until the account is ACTIVE. The provider sends the browser
back to the server's redirect URI ({publicUrl}/api/v3/toolkits/auth/callback), so 'revokit serve'
must be running with the same config: it finishes the authorization in the shared store, and
this command sees the account become ACTIVE. Without "publicUrl" in the config the redirect URI
is http://127.0.0.1:{port}/… (the config's port). The link works once; share it only with the
user. No token is ever printed.

Usage
  revokit connect --user U --toolkit T [--timeout S] [--config FILE] [--project P]
                  [--scopes A,B] [--callback-url URL] [--allow-multiple]

Options
  -u, --user U           The user's id in your app
  -t, --toolkit T        The toolkit slug (a configured toolkit whose adapter can connect)
      --timeout S        Seconds to wait for the user (default ${DEFAULT_CONNECT_TIMEOUT_S}, at most 3600)
      --scopes A,B       Scopes to ask for instead of the toolkit's defaults
      --callback-url URL Where the browser lands once it is done (default: a small page)
      --allow-multiple   Connect even if the user already has a live account of this toolkit
  -c, --config FILE      Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
      --project P        Project of the account (default: the config's first project)
  -h, --help             Show this help

Exit code 1 when the user did not consent in time (the account stays INITIATED until its link
expires), the provider refused, or the toolkit cannot connect.

Example
  revokit connect --user alice --toolkit github --config ./revokit.json
`

export const ACCOUNTS_HELP = `revokit accounts — inspect connected accounts, refresh their tokens

Usage
  revokit accounts list [--config FILE] [--project P] [--user U] [--status S] [--toolkit T]
                        [--limit N] [--cursor C] [--json]
  revokit accounts refresh ID [--config FILE] [--project P] [--redirect-url URL] [--json]

'accounts refresh' uses the refresh grant; when the account has no refresh token or the
provider refuses it, it prints a consent link that reconnects the same account (which keeps
its status until the user completes it). Tokens are never printed.

Lists accounts oldest first (DELETED accounts are never listed). Filters combine; each may be
repeated or comma-separated. Credentials are never printed.

Options
  -c, --config FILE  Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
      --project P    Only this project (default: every project in the store)
  -u, --user U       User id(s)
  -s, --status S     Status(es): INITIATED, ACTIVE, INACTIVE, EXPIRED, REVOKED
  -t, --toolkit T    Toolkit slug(s)
  -n, --limit N      Page size, 1 to 1000 (default 50)
      --cursor C     Continue from the cursor a previous page printed
      --json         Print { items, next_cursor } (list) or { id, status, redirect_url } (refresh) as the API does
      --redirect-url URL
                     refresh: where the browser lands after reconnecting
  -h, --help         Show this help

Examples
  revokit accounts list --user alice --status ACTIVE --config ./revokit.json
  revokit accounts refresh ca_1a2b3c4d5e6f --config ./revokit.json
`

export const KEYGEN_HELP = `revokit keygen — make an encryption key

Prints a new key (32 random bytes, base64) on stdout and its id on stderr. Keep it secret and
backed up: without it the stored tokens cannot be read. Same as: openssl rand -base64 32

Usage
  revokit keygen

Example
  export REVOKIT_ENCRYPTION_KEY=$(revokit keygen)
`

export const ROTATE_KEY_HELP = `revokit rotate-key — re-encrypt stored tokens with the current key

Reads every record of the config's store and re-encrypts, with the key in
REVOKIT_ENCRYPTION_KEY, those still encrypted with an older key (given, comma-separated, in
REVOKIT_ENCRYPTION_KEYS_PREVIOUS) or stored before encryption was turned on. Safe while
'revokit serve' runs on the same store (serve also does this in the background at start-up).
Once it reports nothing skipped or failed, the previous keys can be removed.

Usage
  revokit rotate-key [--config FILE]

Options
  -c, --config FILE  Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
  -h, --help         Show this help

Exit code 1 when a record could not be re-encrypted (a key missing) or was skipped (a revoke,
refresh or authorization in progress: run it again a few minutes later).

Example
  export REVOKIT_ENCRYPTION_KEYS_PREVIOUS=$REVOKIT_ENCRYPTION_KEY
  export REVOKIT_ENCRYPTION_KEY=$(revokit keygen)
  revokit rotate-key --config ./revokit.json
`

/** The help text of `revokit help TOPIC`. */
export function helpOf(topic: string): string {
  if (topic === 'serve') return SERVE_HELP
  if (topic === 'revoke') return REVOKE_HELP
  if (topic === 'accounts') return ACCOUNTS_HELP
  if (topic === 'connect') return CONNECT_HELP
  if (topic === 'worker') return WORKER_HELP
  if (topic === 'keygen') return KEYGEN_HELP
  if (topic === 'rotate-key') return ROTATE_KEY_HELP
  throw new UsageError(
    `no help for '${topic}' — commands: serve, worker, connect, revoke, accounts, keygen, rotate-key`,
    '',
  )
}
