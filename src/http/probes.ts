import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { serializeError, type Logger } from '../logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/**
 * Health, readiness, metrics, the request log and HTTP timings: mounted first, so every request is
 * logged and timed, and the probes answer before any authentication. The probes and /metrics carry
 * no credential on purpose (load balancers and Prometheus have none): keep them off the public
 * ingress instead. They never show error text or internal addresses.
 */
export function probeRoutes(deps: { logger: Logger; telemetry: Telemetry }): Router {
  const { metrics, readiness } = deps.telemetry;
  const router = Router();
  router.use(requestLog(deps.logger));
  router.use(timeRequests(deps.telemetry));
  router.use((_req, res, next) => {
    // While draining, kept-alive connections are closed after their answer so the server can stop.
    if (readiness.isStopping) res.set('Connection', 'close');
    next();
  });

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, status, checks } = await readiness.report();
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status, checks });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.exposition();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });
  return router;
}

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
