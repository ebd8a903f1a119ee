/**
 * What a route table entry is, and the types read off an entry. Kept apart from the assembled table
 * (`../routes.ts`) so that the per-area tables under `routes/` can name the shape without importing
 * the file that imports them.
 */
import type { Permission } from '@clos/core';
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The shape every entry of the route table has. */
export interface RouteDefinition {
  method: HttpMethod;
  /** Full path from the server root; `:name` segments are filled from `params`. */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Every status the route answers with a body of its own; 2xx ones are its successes. */
  responses: { readonly [status: number]: z.ZodType };
  permission: Permission;
  /** A success answered in another format than JSON (a stream, an archive); the handler writes it itself. */
  produces?: 'text/event-stream' | 'application/gzip';
  summary: string;
  tags: readonly string[];
}

type SuccessStatus = 200 | 201 | 202 | 203 | 204;

/** The 2xx statuses a route answers with. */
export type RouteSuccessStatus<R extends RouteDefinition> = Extract<keyof R['responses'], SuccessStatus>;

/** What a route's handler hands back and the client receives, per success status. */
export type RouteResponse<
  R extends RouteDefinition,
  S extends RouteSuccessStatus<R> = RouteSuccessStatus<R>,
> = z.output<R['responses'][S]>;

/** Parsed (output) or sent (input) form of one part of a request; `undefined` when the route has none. */
export type RoutePart<
  R extends RouteDefinition,
  K extends 'params' | 'query' | 'body',
  Side extends 'input' | 'output' = 'output',
> = R extends { readonly [P in K]: infer S extends z.ZodType }
  ? Side extends 'input'
    ? z.input<S>
    : z.output<S>
  : undefined;
