import { ERROR_CATALOG } from '@revokit/core'
import * as z from 'zod'
import packageJson from '../package.json' with { type: 'json' }
import { HTTP_ERROR_CATALOG } from './http-errors'
import { OPENAPI_PATH, ROUTES, servedPaths } from './routes'
import { accountIdSchema, errorEnvelopeSchema } from './wire'

type JsonSchema = Record<string, unknown>

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** `servers` of the document, e.g. `[{ url: 'https://revokit.internal.example' }]`. */
  servers?: { url: string; description?: string }[]
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input (malformed id, invalid JSON, unknown fields, wrong types), or revoke not supported for this toolkit.',
  401: 'The x-api-key header is missing or wrong.',
  403: 'The API key is valid but may not do this (reading credentials needs a key configured with "credentials": true).',
  404: 'No such connected account in your project (or it was deleted).',
  405: 'The route exists, but not with this method (the Allow header lists the methods).',
  408: 'The account did not become ACTIVE in time.',
  409: 'The account is not in a state that allows this operation (or the user already has a live account of this toolkit).',
  413: 'The request body is over the size limit.',
  415: 'The request body is not application/json.',
  429: 'Too many requests with this API key, or with missing or wrong keys from this address (retry-after says when to retry).',
  500: 'The upstream revocation failed; the account keeps its status and tokens (retry later).',
  502: 'The provider answered the code exchange with an error.',
  503: 'Retryable (x-should-retry: true; retry-after when known): the provider could not be reached to refresh, or the store does not answer.',
}

/** Every error slug the API can answer with (core's and the HTTP layer's), by status. */
function slugsByStatus(): Map<number, string[]> {
  const byStatus = new Map<number, string[]>()
  for (const [slug, { status }] of [
    ...Object.entries(ERROR_CATALOG),
    ...Object.entries(HTTP_ERROR_CATALOG),
  ]) {
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug])
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b))
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas that validate
 * requests, so it cannot drift from what the server accepts. Served at `/openapi.json`.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {}
  const ref = (schema: z.ZodType, io: 'input' | 'output') => toSchema(schema, io, components)

  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ROUTES) {
    const parameters: unknown[] = []
    if (route.path.includes('{nanoid}')) {
      parameters.push({
        name: 'nanoid',
        in: 'path',
        required: true,
        description: 'The connected account id.',
        schema: ref(accountIdSchema, 'input'),
      })
    }
    for (const [name, field] of Object.entries(route.query?.shape ?? {})) {
      const schema = ref(field as z.ZodType, 'input')
      const { description, example, ...rest } = schema
      parameters.push({
        name,
        in: 'query',
        required: !(field as z.ZodType).safeParse(undefined).success,
        ...(description ? { description } : {}),
        ...(example !== undefined ? { example } : {}),
        schema: rest,
      })
    }
    const responses: Record<string, unknown> = route.browser
      ? {
          303: {
            description: route.success.description,
            headers: {
              location: {
                description: "The link's callback_url with status and connected_account_id (or error).",
                schema: { type: 'string' },
              },
              'x-request-id': { $ref: '#/components/headers/RequestId' },
            },
          },
          200: {
            description: 'A small HTML page saying how it went (no callback_url was given).',
            headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        }
      : {
          [route.success.status]: {
            description: route.success.description,
            headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
            content: {
              'application/json': { schema: route.success.schema ? ref(route.success.schema, 'output') : {} },
            },
          },
        }
    const statuses = new Set<number>(route.errors)
    if (route.auth) {
      statuses.add(400)
      statuses.add(401)
      statuses.add(429)
    }
    if (route.credentialsPermission) statuses.add(403)
    for (const status of [...statuses].sort()) {
      responses[status] = { $ref: `#/components/responses/Error${status}` }
    }
    const base: Record<string, unknown> = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: route.auth ? [{ ApiKey: [] }] : [],
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.bodyOptional !== true,
              content: { 'application/json': { schema: ref(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    }
    // The /api/v3.1 twin is the same operation; OpenAPI wants each operationId once.
    servedPaths(route).forEach((path, i) => {
      paths[path] ??= {}
      ;(paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = {
        operationId: i === 0 ? route.operationId : `${route.operationId}V31`,
        ...base,
      }
    })
  }
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['Operations'],
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': {} } } },
    },
  }

  const errorRef = ref(errorEnvelopeSchema, 'output')
  const errorResponses = Object.fromEntries(
    [...slugsByStatus()].map(([status, slugs]) => [
      `Error${status}`,
      {
        description: `${ERROR_DESCRIPTIONS[status] ?? 'An error.'} Slugs: ${slugs.map((s) => `\`${s}\``).join(', ')}.`,
        headers: {
          'x-request-id': { $ref: '#/components/headers/RequestId' },
          ...(status === 429
            ? {
                'retry-after': {
                  description: 'Whole seconds until a request with this key is accepted again.',
                  schema: { type: 'integer', minimum: 1 },
                },
              }
            : {}),
        },
        content: { 'application/json': { schema: errorRef } },
      },
    ]),
  )

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'revokit',
      version: packageJson.version,
      description:
        'Connected accounts and their revocation at the provider. Every error is the envelope { error: { message, code, slug, status, request_id, suggested_fix, errors } }; every response carries x-request-id.',
    },
    ...(options.servers ? { servers: options.servers } : {}),
    tags: [
      { name: 'Connected accounts', description: 'Create, read, enable/disable, update, delete and revoke.' },
      {
        name: 'Connecting',
        description:
          "Connect an account through the provider's consent screen, keep its tokens fresh, and hand them out.",
      },
      { name: 'Operations', description: 'Health and discovery; no API key needed.' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      responses: errorResponses,
      headers: {
        RequestId: {
          description: 'Your x-request-id when it is 8-128 safe characters, else a new req_… id.',
          schema: { type: 'string' },
        },
      },
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A project API key.' },
      },
    },
  }
}

/**
 * One zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Schemas with a meta `id` go to
 * `components.schemas` and are referenced; the rest is inlined.
 */
function toSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const generated = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema
  const rewritten = JSON.parse(
    JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema> }
  const { $schema: _schema, $defs, ...rest } = rewritten
  for (const [id, definition] of Object.entries($defs ?? {})) components[id] ??= definition
  return rest
}
