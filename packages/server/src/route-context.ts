import type { CallOptions } from '@revokit/core'
import type * as z from 'zod'
import type { RequestLogState } from './request-log'

/** What the router hands each route about the request it serves. */
export interface RequestState extends RequestLogState {
  readonly requestId: string
  /** The client's IP address, when the server that runs the handler tells it. */
  readonly clientAddress?: string
}

/**
 * A route's view of the request: authenticated project, validated id, query and body. The
 * query and body were parsed before the route runs, with the route's own schemas; the schema
 * argument only gives the result its type.
 */
export interface RouteContext {
  readonly state: RequestState
  readonly call: CallOptions
  readonly request: Request
  id(): string
  query<T extends z.ZodType>(schema: T): z.output<T>
  body<T extends z.ZodType>(schema: T): z.output<T>
}

/** Headers of every JSON answer: nothing is cached, nothing is sniffed. */
export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

/** A JSON answer. */
export function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })
}
