import { probeRoutes } from '../../http/probes.js';
import type { AnyRoute } from '../../http/routes.js';
import type { ApiDeps } from '../deps.js';
import { buildOpenApiDocument } from '../openapi.js';
import { adminEventRoutes } from './admin-events.js';
import { adminOrderRoutes } from './admin-orders.js';
import { adminQueueRoutes } from './admin-queue.js';
import { catalogRoutes } from './catalog.js';
import { docsRoutes } from './docs.js';
import { meRoutes } from './me.js';
import { orderRoutes } from './orders.js';
import { playerRoutes } from './players.js';
import { webhookRoutes } from './webhooks.js';

let document: Record<string, unknown> | undefined;

/** Every route the API serves, in the order the document lists them. */
export const apiRoutes: AnyRoute<ApiDeps>[] = [
  ...catalogRoutes,
  ...orderRoutes,
  ...playerRoutes,
  ...meRoutes,
  ...webhookRoutes,
  ...adminOrderRoutes,
  ...adminQueueRoutes,
  ...adminEventRoutes,
  ...probeRoutes,
  // Built once, on first request: the routes and their schemas do not change while running.
  ...docsRoutes(() => (document ??= buildOpenApiDocument(apiRoutes))),
];
