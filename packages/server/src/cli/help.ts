import { UsageError } from './io'

// What `revokit … --help` prints. Each text: what the command does, its options, an example.

export const ROOT_HELP = `revokit — revoke your users' OAuth tokens at the provider

Usage
  revokit <command> [options]

Commands
  serve              Run the connected-accounts HTTP API on this machine
  revoke ID          Revoke one connected account's tokens at the provider
  revoke --user U    Revoke every ACTIVE account of a user (or --toolkit T), with progress
  accounts list      List connected accounts

Every command reads the same JSON config file as serve (--config, or $REVOKIT_CONFIG, or
./revokit.json) and works directly on its store.

Options
  -h, --help         Show help (also: revokit <command> --help)
  -v, --version      Print the version

Exit codes: 0 done, 1 failed (a revoke failed, the config is invalid, …), 2 wrong usage.

Example
  REVOKIT_API_KEY=… revokit serve --config ./revokit.json --port 8080
`

export const SERVE_HELP = `revokit serve — run the HTTP API

Serves the connected-accounts API (POST/GET/PATCH/DELETE /api/v3/connected_accounts, POST
/api/v3.1/connected_accounts/{nanoid}/revoke), /openapi.json, /healthz and /readyz. Logs one
JSON line per request on stdout, with tokens, secrets and API keys redacted. SIGTERM or SIGINT
shuts down gracefully: no new connections, requests in flight finish, the store is closed; a
second signal stops at once.

Usage
  revokit serve [--config FILE] [--port N] [--host H]

Options
  -c, --config FILE  Config file (default: $REVOKIT_CONFIG, else ./revokit.json)
  -p, --port N       Port to listen on; overrides the config's "port" (default 8080; 0 = any free port)
      --host H       Address to listen on (default 127.0.0.1: this machine only)
  -h, --help         Show this help

Example
  export REVOKIT_API_KEY=$(openssl rand -hex 32)
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

export const ACCOUNTS_HELP = `revokit accounts — inspect connected accounts

Usage
  revokit accounts list [--config FILE] [--project P] [--user U] [--status S] [--toolkit T]
                        [--limit N] [--cursor C] [--json]

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
      --json         Print { items, next_cursor } as the API does
  -h, --help         Show this help

Example
  revokit accounts list --user alice --status ACTIVE --config ./revokit.json
`

/** The help text of `revokit help TOPIC`. */
export function helpOf(topic: string): string {
  if (topic === 'serve') return SERVE_HELP
  if (topic === 'revoke') return REVOKE_HELP
  if (topic === 'accounts') return ACCOUNTS_HELP
  throw new UsageError(`no help for '${topic}' — commands: serve, revoke, accounts`, '')
}
