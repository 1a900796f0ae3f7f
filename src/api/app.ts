import express, { Router, type Express } from 'express';
import { deferMalformedBody, errorHandler, MAX_BODY_BYTES, notFoundRoute } from '../http/errors.js';
import { observeRequests } from '../http/probes.js';
import { mountRoutes } from '../http/routes.js';
import { guardsFor } from './guards.js';
import type { ApiDeps } from './deps.js';
import { createLootLockerRouter } from './lootlocker/router.js';
import { createPlayFabRouter } from './playfab/router.js';
import { playerRateLimit } from './rate-limit.js';
import { apiRoutes } from './routes/index.js';

/** The HTTP API: thin handlers that validate, call the domain, and shape the answer. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // First: every request is logged and timed.
  app.use(observeRequests(deps));
  // One limit per player client, whichever API it calls.
  const playerLimit = playerRateLimit(deps.config.PLAYER_RATE_LIMIT_PER_MINUTE, {
    redis: deps.redis,
    keyPrefix: deps.config.QUEUE_PREFIX,
    logger: deps.logger,
  });
  // PlayFab's API, with its own body parser and error envelopes (docs/playfab.md).
  app.use('/playfab', createPlayFabRouter(deps, playerLimit));
  // LootLocker's server API, with its error body (docs/lootlocker.md).
  app.use('/lootlocker', createLootLockerRouter(deps));
  const guard = guardsFor(deps.config, playerLimit);
  // Before the JSON parser: a signed webhook's signature covers the raw bytes, so it reads them itself.
  const raw = Router();
  mountRoutes(raw, apiRoutes.filter(readsRawBody), deps, guard);
  app.use(raw);
  // Any content type is read as JSON (this is a JSON API). A body that does not parse is only
  // reported once a route has matched and the caller is authenticated: 404 and 401 come first.
  app.use(express.json({ limit: MAX_BODY_BYTES, type: () => true }), deferMalformedBody);
  const routes = Router();
  mountRoutes(
    routes,
    apiRoutes.filter((route) => !readsRawBody(route)),
    deps,
    guard,
  );
  app.use(routes);
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}

const readsRawBody = (route: (typeof apiRoutes)[number]) => 'rawBody' in route && route.rawBody === true;
