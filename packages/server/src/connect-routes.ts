import { type Engine, RevokitError, toRevokitError } from '@revokit/core'
import { failureTarget, page, providerErrorCode, redirectTo } from './callback'
import {
  AUTH_CONFIG_PREFIX,
  credentialsJson,
  linkBodySchema,
  linkJson,
  refreshBodySchema,
  refreshJson,
  updateCredentialsBodySchema,
} from './connect-wire'
import { json, type RouteContext } from './route-context'
import { accountJson } from './wire'

// The routes that connect accounts and keep them alive. They only translate between the wire
// and the engine's connect API: the flow itself (state, PKCE, code exchange, refresh) is core's.

/** The connect routes' implementations, by operation id. */
export function connectRoutes(engine: Engine): Record<string, (c: RouteContext) => Promise<Response>> {
  return {
    async linkConnectedAccount(c) {
      const body = c.body(linkBodySchema)
      const toolkit = linkToolkit(engine, body)
      const result = await engine.initiate(
        {
          userId: body.user_id,
          toolkit,
          ...(body.callback_url !== undefined ? { callbackUrl: body.callback_url } : {}),
          ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
          ...(body.allow_multiple !== undefined ? { allowMultiple: body.allow_multiple } : {}),
          ...(body.alias !== undefined ? { alias: body.alias } : {}),
        },
        c.call,
      )
      return json(linkJson(result), 201, { location: `/api/v3/connected_accounts/${result.id}` })
    },

    async authorizationCallback(c) {
      // A HEAD (a link checker, a prefetch) must not spend the one-time state.
      if (c.request.method === 'HEAD') return page(200, 'revokit', [])
      const query = new URL(c.request.url).searchParams
      try {
        const { account, callbackUrl } = await engine.completeAuthorization(query, c.call)
        c.state.projectId = account.projectId
        if (callbackUrl)
          return redirectTo(callbackUrl, { status: 'success', connected_account_id: account.id })
        return page(200, 'Account connected', [
          `Your ${account.toolkit} account is connected. You can close this window.`,
        ])
      } catch (error) {
        const failure = toRevokitError(error)
        const target = failureTarget(failure)
        if (!target) throw failure
        c.state.slug = failure.slug
        const code =
          failure.slug === 'authorization_failed' ? (providerErrorCode(query) ?? failure.slug) : failure.slug
        return redirectTo(target.callbackUrl, {
          status: 'failed',
          error: code,
          ...(target.accountId ? { connected_account_id: target.accountId } : {}),
        })
      }
    },

    async refreshConnectedAccount(c) {
      const body = c.body(refreshBodySchema)
      const result = await engine.refresh(c.id(), {
        ...c.call,
        ...(body.redirect_url !== undefined ? { callbackUrl: body.redirect_url } : {}),
      })
      return json(refreshJson(result), 200)
    },

    async getConnectedAccountCredentials(c) {
      return json(credentialsJson(await engine.credentials(c.id(), c.call)), 200)
    },

    async updateConnectedAccount(c) {
      const { credentials } = c.body(updateCredentialsBodySchema)
      return json(accountJson(await engine.updateCredentials(c.id(), credentials, c.call)), 200)
    },
  }
}

/** The toolkit a link names: `toolkit`, or the auth config `ac_<toolkit>`; both must agree. */
function linkToolkit(
  engine: Engine,
  body: { toolkit?: string | undefined; auth_config_id?: string | undefined },
) {
  const fromConfig = body.auth_config_id?.slice(AUTH_CONFIG_PREFIX.length)
  if (body.toolkit === undefined && fromConfig === undefined) {
    throw linkError('auth_config_id: required — give "toolkit": "google" or "auth_config_id": "ac_google"')
  }
  if (body.toolkit !== undefined && fromConfig !== undefined && body.toolkit !== fromConfig) {
    throw linkError(
      `auth_config_id: "${body.auth_config_id}" is not the auth config of toolkit "${body.toolkit}" — give one of them`,
    )
  }
  if (body.toolkit === undefined && engine.capabilities(fromConfig as string) === undefined) {
    throw linkError(
      `auth_config_id: no auth config "${body.auth_config_id}" — use "ac_" + a configured toolkit key`,
    )
  }
  return (body.toolkit ?? fromConfig) as string
}

function linkError(line: string): RevokitError {
  return new RevokitError('validation_failed', {
    message: `Invalid request body: ${line}`,
    suggestedFix: 'Send {"user_id": "alice", "toolkit": "google"} (or "auth_config_id": "ac_google").',
    errors: [line],
  })
}
