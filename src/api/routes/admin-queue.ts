import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { errorBodySchema, httpErrors } from '../../http/errors.js';
import { countJobs, JOB_STATES, ORDER_QUEUE } from '../../queue/order-queue.js';
import { DASHBOARD_CHALLENGE } from '../guards.js';
import { apiRoute, type ApiDeps } from '../deps.js';
import type { SubtreeRoute } from '../../http/routes.js';

/** Where the Bull Board dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const queueCounts = z.object({
  queue: z.literal(ORDER_QUEUE),
  counts: z.object(Object.fromEntries(JOB_STATES.map((state) => [state, z.number().int().min(0)]))),
});

/**
 * The Bull Board dashboard. It is read-only: an order is re-run through
 * `POST /v1/admin/orders/{id}/retry`, where PostgreSQL decides whether it may run, not by retrying
 * its job in Redis.
 */
const dashboard: SubtreeRoute<ApiDeps> = {
  method: 'get',
  path: QUEUE_DASHBOARD_PATH,
  tag: 'operations',
  summary: 'Bull Board dashboard (read-only), for a browser',
  description:
    'The admin key as a bearer token, or as the password of HTTP Basic auth (any user name). A 401 ' +
    `carries \`WWW-Authenticate: ${DASHBOARD_CHALLENGE}\`. The dashboard's own assets and API live below this path.`,
  credentials: ['admin', 'adminBasic'],
  errors: [],
  responses: { 200: { description: 'The dashboard page.', contentType: 'text/html' } },
  serve: ({ queue }) => {
    const board = new ExpressAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    // One board entry per shard (QUEUE_SHARDS); every shard's queue is called `orders`.
    const shards = queue.shards.map(
      (shard, index) =>
        new BullMQAdapter(shard, {
          readOnlyMode: true,
          allowRetries: false,
          ...(queue.shards.length > 1 && { prefix: `shard ${index}: ` }),
        }),
    );
    createBullBoard({ queues: shards, serverAdapter: board });
    const app = board.getRouter() as Express;
    withoutOutsideAssets(app);
    return ((req, res, next) => {
      res.set('Content-Security-Policy', DASHBOARD_CSP);
      app(req, res, next);
    }) as RequestHandler;
  },
};

/**
 * The dashboard loads only what it serves itself: its page names a Google Fonts stylesheet, which is
 * taken out as the page renders (the board's own font stack takes over), and its CSP refuses
 * anything from elsewhere.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
].join('; ');
const OUTSIDE_STYLESHEET = /<link\b[^>]*href="https?:\/\/[^"]*"[^>]*>/g;

/** Wraps the board's view engine (its Express app renders index.ejs) to drop outside stylesheets. */
function withoutOutsideAssets(app: Express): void {
  const engines = (app as unknown as { engines: Record<string, ViewEngine | undefined> }).engines;
  const render = engines['.ejs'];
  if (!render) throw new Error('Bull Board renders no .ejs view: its page can no longer be cleaned');
  app.engine('ejs', (path, options, callback) =>
    render(path, options, (error, html) =>
      callback(error, html === undefined ? html : html.replace(OUTSIDE_STYLESHEET, '')),
    ),
  );
}

type ViewEngine = (path: string, options: object, callback: (error: unknown, html?: string) => void) => void;

/** The order queue as ops see it: job counts by state, and the dashboard. */
export const adminQueueRoutes = [
  apiRoute({
    method: 'get',
    path: '/v1/admin/queue',
    tag: 'operations',
    summary: 'Job counts of the order queue by state',
    credentials: ['admin'],
    errors: [],
    responses: {
      200: { description: 'Counts by state.', schema: queueCounts },
      503: { description: 'Redis cannot be reached.', schema: errorBodySchema },
    },
    handle: async ({ res, deps }) => {
      let counts: Awaited<ReturnType<typeof countJobs>>;
      try {
        counts = await countJobs(deps.queue);
      } catch {
        // The producer connection fails fast while Redis is away; say so rather than answer a 500.
        throw httpErrors.queueUnavailable();
      }
      res.json({ queue: ORDER_QUEUE, counts });
    },
  }),
  dashboard,
];
