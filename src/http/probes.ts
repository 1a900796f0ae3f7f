import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { serializeError, type Logger } from '../logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { routeFor, type AnyRoute } from './routes.js';

export interface ProbeDeps {
  logger: Logger;
  telemetry: Telemetry;
}

/**
 * Every request is logged and timed; while draining, kept-alive connections are closed after their
 * answer so the server can stop. Mounted first, before any route.
 */
export function observeRequests(deps: ProbeDeps): Router {
  const router = Router();
  router.use(requestLog(deps.logger));
  router.use(timeRequests(deps.telemetry));
  router.use((_req, res, next) => {
    if (deps.telemetry.readiness.isStopping) res.set('Connection', 'close');
    next();
  });
  return router;
}

const probeRoute = routeFor<ProbeDeps>();

const status = z.object({ status: z.string() });
const readiness = status.extend({ checks: z.record(z.string(), z.enum(['ok', 'failed', 'timeout'])) });

/**
 * Health, readiness and metrics, served by the API and by a worker's probe server alike. They carry
 * no credential on purpose (load balancers and Prometheus have none): keep them off the public
 * ingress instead. They never show error text or internal addresses.
 */
export const probeRoutes: AnyRoute<ProbeDeps>[] = [
  probeRoute({
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness: the process is up',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'Up.', schema: status } },
    handle: ({ res }) => {
      res.set('Cache-Control', 'no-store').json({ status: 'ok' });
    },
  }),
  probeRoute({
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness: PostgreSQL and Redis reachable, not shutting down',
    credentials: [],
    errors: [],
    responses: {
      200: { description: 'Ready.', schema: readiness },
      503: {
        description: 'Not ready: a dependency is unreachable or the process is shutting down.',
        schema: readiness,
      },
    },
    handle: async ({ res, deps }) => {
      const { ready, status, checks } = await deps.telemetry.readiness.report();
      res
        .status(ready ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({ status, checks });
    },
  }),
  probeRoute({
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    credentials: [],
    errors: [],
    responses: { 200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' } },
    handle: async ({ res, deps }) => {
      const { contentType, body } = await deps.telemetry.metrics.exposition();
      res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
    },
  }),
];

const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (req: IncomingMessage) => (req.url ?? '').split('?')[0] ?? '';

/** A caller's id is kept when it is a sane token; anything else could forge or flood log lines. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One JSON line per request, carrying a request id taken from `X-Request-Id` (or made) and echoed
 * back in the same header. Authorization and signature headers are redacted by the logger itself
 * (logger.ts). Probes and scrapes are logged at debug only: they would drown the rest.
 */
function requestLog(logger: Logger): RequestHandler {
  // Routes that answer with an order put its ids in res.locals (submit-order.ts), so the request's
  // line carries order_id and player_uuid.
  const withOrder = (res: ServerResponse, fields: unknown) => ({
    ...(fields as object),
    ...((res as Response).locals?.orderLog as Record<string, string> | undefined),
  });
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Top level, so the request's line (and anything logged through req.log) can be found by id.
    // The same every time it is asked for: pino-http asks again when the response is logged, and
    // adds the key a second time if the answer differs.
    customProps: (req) => ({ request_id: req.id }),
    customSuccessObject: (_req, res, fields) => withOrder(res, fields),
    customErrorObject: (_req, res, _error, fields) => withOrder(res, fields),
    customAttributeKeys: { responseTime: 'duration_ms' },
    // Keys in snake_case like every other line, and no headers: what a request log needs, no more.
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string }) => ({
        method: req.method,
        url: req.url,
        remote_address: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      err: serializeError,
    },
    customLogLevel: (req, res, error) => {
      if (PROBE_PATHS.has(pathOf(req))) return 'debug';
      return error || res.statusCode >= 500 ? 'error' : 'info';
    },
  });
}

/**
 * Times every request under its matched route pattern (`/v1/orders/:order_id`), never the raw URL,
 * so the number of series stays bounded. Requests answered before a route matched (unknown paths,
 * failed authentication in a router's guard) share the label "unmatched".
 */
function timeRequests({ metrics }: Telemetry): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routePattern(req), status: String(res.statusCode) });
    });
    next();
  };
}

function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (path === undefined) return 'unmatched';
  // Every route here is declared with a string; a RegExp or list pattern would still be bounded.
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'pattern';
}
