import express, { type Express } from 'express';
import type { ApiDeps } from './deps.js';
import { deferMalformedBody, errorHandler, MAX_BODY_BYTES, notFound } from '../http/errors.js';
import { probeRoutes } from '../http/probes.js';
import { adminOrderRoutes } from './routes/admin-orders.js';
import { adminQueueRoutes } from './routes/admin-queue.js';
import { catalogRoutes } from './routes/catalog.js';
import { docsRoutes } from './routes/docs.js';
import { meRoutes } from './routes/me.js';
import { orderRoutes } from './routes/orders.js';
import { playerRoutes } from './routes/players.js';
import { webhookRoutes } from './routes/webhooks.js';

/** The HTTP API: thin handlers that validate, call the domain, and shape the answer. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // First: every request is logged and timed, and the probes answer before any authentication.
  app.use(probeRoutes(deps));
  // Before the JSON parser: webhooks are signed over the raw bytes, so they read the body themselves.
  app.use(webhookRoutes(deps));
  // Any content type is read as JSON (this is a JSON API). A body that does not parse is only
  // reported once a route has matched and the caller is authenticated: 404 and 401 come first.
  app.use(express.json({ limit: MAX_BODY_BYTES, type: () => true }), deferMalformedBody);

  app.use(catalogRoutes(deps));
  app.use(adminOrderRoutes(deps));
  app.use(adminQueueRoutes(deps));
  app.use(orderRoutes(deps));
  app.use(playerRoutes(deps));
  app.use(meRoutes(deps));
  app.use(docsRoutes());
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
