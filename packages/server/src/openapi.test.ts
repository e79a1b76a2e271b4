// The OpenAPI document: a valid 3.1 document, generated from the same zod schemas that
// validate requests, listing exactly the routes the server answers.

import { ERROR_CATALOG, isAccountId } from '@revokit/core'
import { Validator } from '@seriousme/openapi-schema-validator'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HTTP_ERROR_CATALOG } from './http-errors'
import { buildOpenApiDocument } from './openapi'
import { allowedMethods, ROUTES, servedPaths } from './routes'
import { ACCOUNT_ID } from './wire'

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string
        security: unknown[]
        requestBody?: unknown
        responses: Record<string, unknown>
        parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]
      }
    >
  >
  components: {
    schemas: Record<string, Record<string, unknown>>
    responses: Record<string, { description: string }>
  }
}

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument() as unknown as Doc

  it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as never)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    const refs = JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)
    for (const [, pointer] of refs) {
      let node: unknown = doc
      for (const part of (pointer as string).split('/')) node = (node as Record<string, unknown>)?.[part]
      expect(node, pointer).toBeDefined()
    }
  })

  it('lists every route with its method, operation id and security, and nothing else', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    expect(listed.sort()).toEqual(
      [...ROUTES.flatMap((r) => servedPaths(r).map((p) => `${r.method} ${p}`)), 'GET /openapi.json'].sort(),
    )
    const operationIds = listed.map((entry) => {
      const [method, path] = entry.split(' ') as [string, string]
      return doc.paths[path]?.[method.toLowerCase()]?.operationId
    })
    expect(new Set(operationIds).size).toBe(operationIds.length)
    for (const route of ROUTES) {
      for (const [i, path] of servedPaths(route).entries()) {
        const op = doc.paths[path]?.[route.method.toLowerCase()]
        expect(op?.operationId).toBe(i === 0 ? route.operationId : `${route.operationId}V31`)
        expect(op?.security).toEqual(route.auth ? [{ ApiKey: [] }] : [])
        expect(Object.keys(op?.responses ?? {})).toContain(String(route.success.status))
        if (route.auth)
          expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['400', '401']))
        if (route.credentialsPermission) expect(Object.keys(op?.responses ?? {})).toContain('403')
        // The router's 405 logic agrees with the document.
        const concrete = path.replace('{nanoid}', 'ca_1a2b3c4d5e6f')
        expect(allowedMethods(concrete)).toContain(route.method)
      }
    }
  })

  it('carries the wire schemas: strict bodies, required fields, the revoke 200 body and the error envelope', () => {
    const create = doc.components.schemas.CreateConnectedAccountRequest
    expect(create).toMatchObject({ type: 'object', additionalProperties: false })
    expect(create?.required).toEqual(['user_id', 'toolkit', 'credentials'])
    expect(Object.keys(doc.components.schemas.RevokeConnectedAccountResponse?.properties as object)).toEqual([
      'revoked_tokens',
      'connected_account',
      'subjects',
    ])
    expect(
      Object.keys(
        (doc.components.schemas.ErrorEnvelope as { properties: { error: { properties: object } } }).properties
          .error.properties,
      ),
    ).toEqual(['message', 'code', 'slug', 'status', 'request_id', 'suggested_fix', 'errors'])
    const list = doc.paths['/api/v3/connected_accounts']?.get?.parameters?.map((p) => p.name)
    expect(list).toEqual(['user_ids', 'statuses', 'toolkit_slugs', 'limit', 'cursor'])
    const id = doc.paths['/api/v3/connected_accounts/{nanoid}']?.get?.parameters?.[0]
    expect(id).toMatchObject({
      name: 'nanoid',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: ACCOUNT_ID.source },
    })
  })

  it('carries the connect routes: link and credentials bodies, the callback as a redirect or a page, an optional refresh body', () => {
    expect(doc.components.schemas.LinkConnectedAccountRequest).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['user_id'],
    })
    expect(Object.keys(doc.components.schemas.LinkConnectedAccountRequest?.properties as object)).toEqual([
      'user_id',
      'toolkit',
      'auth_config_id',
      'callback_url',
      'scopes',
      'allow_multiple',
      'alias',
    ])
    expect(Object.keys(doc.components.schemas.LinkConnectedAccountResponse?.properties as object)).toEqual([
      'link_token',
      'connected_account_id',
      'redirect_url',
      'expires_at',
      'status',
    ])
    expect(Object.keys(doc.components.schemas.ConnectedAccountCredentials?.properties as object)).toEqual([
      'auth_scheme',
      'val',
      'expires_at',
    ])
    expect(doc.components.schemas.CreateConnectedAccountRequest?.properties).toHaveProperty('allow_multiple')
    for (const version of ['v3', 'v3.1']) {
      const callback = doc.paths[`/api/${version}/toolkits/auth/callback`]?.get
      expect(callback?.security).toEqual([])
      expect(Object.keys(callback?.responses ?? {})).toEqual(expect.arrayContaining(['303', '200', '400']))
      expect(JSON.stringify(callback?.responses?.['200'])).toContain('text/html')
      const refresh = doc.paths[`/api/${version}/connected_accounts/{nanoid}/refresh`]?.post
      expect(refresh?.requestBody).toMatchObject({ required: false })
    }
  })

  it('lists every error slug, core’s and the HTTP layer’s, under the response of its status', () => {
    for (const [slug, { status }] of [
      ...Object.entries(ERROR_CATALOG),
      ...Object.entries(HTTP_ERROR_CATALOG),
    ]) {
      expect(doc.components.responses[`Error${status}`]?.description, slug).toContain(`\`${slug}\``)
    }
  })

  it('documents the id pattern the engine enforces', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^ca_[A-Za-z0-9_-]{4,70}$/)), (value) => {
        expect(ACCOUNT_ID.test(value)).toBe(isAccountId(value))
      }),
    )
  })
})
