import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { notFoundRoute } from './errors.js';
import { parse } from './validation.js';

/**
 * One declaration per route: what it takes, who may call it, what it answers and how. The same
 * object mounts the route (mountRoutes) and describes it in the OpenAPI document (src/api/openapi.ts),
 * so the two cannot drift apart.
 */

export type Method = 'get' | 'post' | 'put';

/** Who may call a route; each is a security scheme of the document. */
export type Credential = 'admin' | 'server' | 'player' | 'webhook' | 'adminBasic';

/**
 * Errors a route answers beyond those its declaration implies: a credential implies 401 (and 403
 * unless it is a webhook signature), a player token 429, a body 400, 413, 415 and 422, path or
 * query parameters 422 (see impliedErrors).
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

export interface ResponseDoc {
  description: string;
  /** A JSON body. */
  schema?: z.ZodType;
  /** A body that is not JSON (HTML, Prometheus text). */
  contentType?: string;
  /** Header name → what it says. */
  headers?: Record<string, string>;
}

/** What a handler gets: its validated parts, the raw request and response, and the role's dependencies. */
export interface RouteInput<Deps, Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  req: Request;
  res: Response;
  deps: Deps;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

interface RouteDoc {
  method: Method;
  /** OpenAPI form: `/v1/orders/{order_id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Empty: open to everyone. */
  credentials: Credential[];
  /** `Prefer: wait=N` is read. */
  preferWait?: boolean;
  errors: ErrorStatus[];
  responses: Record<number, ResponseDoc>;
}

export interface Route<
  Deps,
  Params extends z.ZodObject | undefined = undefined,
  Query extends z.ZodObject | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
> extends RouteDoc {
  params?: Params;
  query?: Query;
  /** Validated before the handler runs, unless `rawBody`. */
  body?: Body;
  /**
   * The handler reads the body's bytes itself (a signed webhook: the signature covers them), so the
   * route is mounted before the JSON parser and `body` only documents what it accepts.
   */
  rawBody?: boolean;
  /** A path whose parameters do not validate names no route: 404 `not_found` rather than 422. */
  unknownParamsNotFound?: boolean;
  /** Method syntax on purpose: a list of routes with different schemas is then one type. */
  handle(input: RouteInput<Deps, Parsed<Params>, Parsed<Query>, Parsed<Body>>): Promise<void> | void;
}

/**
 * A route that serves a whole subtree (a dashboard with its own assets and API below `path`),
 * documented as a GET of `path`.
 */
export interface SubtreeRoute<Deps> extends RouteDoc {
  serve: (deps: Deps) => RequestHandler;
}

export type AnyRoute<Deps> =
  Route<Deps, z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined> | SubtreeRoute<Deps>;

/**
 * Declares routes for one kind of dependencies: `const apiRoute = routeFor<ApiDeps>()`, then
 * `apiRoute({...})`, whose handler TypeScript types from the route's own schemas.
 */
export function routeFor<Deps>() {
  return <
    Params extends z.ZodObject | undefined = undefined,
    Query extends z.ZodObject | undefined = undefined,
    Body extends z.ZodType | undefined = undefined,
  >(
    route: Route<Deps, Params, Query, Body>,
  ): Route<Deps, Params, Query, Body> => route;
}

/** Every error status a route answers: its own `errors` and those its declaration implies. */
export function impliedErrors(route: AnyRoute<never>): ErrorStatus[] {
  const implied = new Set<ErrorStatus>(route.errors);
  const { credentials } = route;
  if (credentials.length > 0) implied.add(401);
  if (credentials.some((credential) => credential !== 'webhook')) implied.add(403);
  if (credentials.includes('player')) implied.add(429);
  if ('handle' in route) {
    if (route.body) for (const status of [400, 413, 415, 422] as const) implied.add(status);
    if (route.params || route.query) implied.add(422);
  }
  return [...implied].sort((a, b) => a - b);
}

/** `/v1/orders/{order_id}` as Express writes it: `/v1/orders/:order_id`. */
const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Mounts each route on `router`: the guard for its credentials first, then its parts validated in
 * the order path, query, body (each failure a 422 naming every problem), then its handler.
 */
export function mountRoutes<Deps>(
  router: Router,
  routes: AnyRoute<Deps>[],
  deps: Deps,
  guard: (credentials: Credential[]) => RequestHandler[],
): void {
  for (const route of routes) {
    const path = expressPath(route.path);
    if ('serve' in route) {
      router.use(path, ...guard(route.credentials), route.serve(deps));
      continue;
    }
    const validated: RequestHandler = async (req, res) => {
      if (route.unknownParamsNotFound && route.params && !route.params.safeParse(req.params).success) {
        notFoundRoute(req);
      }
      await route.handle({
        params: route.params && parse(route.params, req, 'params'),
        query: route.query && parse(route.query, req, 'query'),
        body: route.body && !route.rawBody ? parse(route.body, req, 'body') : undefined,
        req,
        res,
        deps,
      });
    };
    router[route.method](path, ...guard(route.credentials), validated);
  }
}
