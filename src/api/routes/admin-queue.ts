import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Config } from '../../config.js';
import { countJobs, ORDER_QUEUE } from '../../queue/order-queue.js';
import { identifyCaller, requireRole, secretsEqual } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../../http/errors.js';

/** Where the Bull Board dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** What a browser is told on a 401, so that it asks for the admin key as a Basic password. */
export const DASHBOARD_CHALLENGE = 'Basic realm="armory"';

/** The password of `Authorization: Basic base64(user:password)`; the user name is ignored. */
function basicPassword(header: string): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * The dashboard's guard: the admin key as a bearer token (as on every admin route), or as the
 * password of HTTP Basic auth, which is what a browser can send. Every 401 carries a Basic challenge
 * so the browser shows its login prompt. A valid bearer credential other than the admin key (server
 * key, player token) is a 403, as elsewhere; a wrong Basic password is only a failed login (401).
 */
function dashboardAuth(config: Config): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const refuse = (desc: string) => {
      res.set('WWW-Authenticate', DASHBOARD_CHALLENGE);
      return HttpError.auth(401, 'unauthorized', desc);
    };
    if (/^Basic\s/i.test(header)) {
      const password = basicPassword(header);
      if (password === null || !secretsEqual(password, config.ADMIN_API_KEY)) {
        throw refuse('the password must be the admin key');
      }
      next();
      return;
    }
    if (!header) throw refuse('the admin key is required (bearer, or as the Basic auth password)');
    let role: string;
    try {
      role = (await identifyCaller(config, header)).role;
    } catch (error) {
      if (error instanceof HttpError && error.status === 401)
        res.set('WWW-Authenticate', DASHBOARD_CHALLENGE);
      throw error;
    }
    if (role !== 'admin') throw HttpError.auth(403, 'forbidden', 'this credential may not use this endpoint');
    next();
  };
}

/**
 * `GET /v1/admin/queue` (job counts by state) and the Bull Board dashboard at /admin/queues. The
 * dashboard is read-only: an order is re-run through `POST /v1/admin/orders/{id}/retry`, where
 * PostgreSQL decides whether it may run, not by retrying its job in Redis.
 */
export function adminQueueRoutes({ config, queue }: Pick<ApiDeps, 'config' | 'queue'>): Router {
  const router = Router();

  router.get('/v1/admin/queue', requireRole(config, ['admin']), async (_req, res) => {
    let counts: Awaited<ReturnType<typeof countJobs>>;
    try {
      counts = await countJobs(queue);
    } catch {
      // The producer connection fails fast while Redis is away; say so rather than answer a 500.
      throw HttpError.of(503, 'queue_unavailable', 'the queue (Redis) cannot be reached');
    }
    res.json({ queue: ORDER_QUEUE, counts });
  });

  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })],
    serverAdapter: board,
  });
  router.use(QUEUE_DASHBOARD_PATH, dashboardAuth(config), board.getRouter() as RequestHandler);
  return router;
}
