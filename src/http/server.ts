import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { Router, type Express } from 'express';
import { StartupError } from '../dependencies.js';
import { reasonOf } from '../error-text.js';
import type { Logger } from '../logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { RunningRole } from '../runtime.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { observeRequests, probeRoutes } from './probes.js';
import { mountRoutes } from './routes.js';

/**
 * Listens on `port` (0: any free port) and answers the port actually bound. A port that cannot be
 * taken (in use, not allowed) is a StartupError naming it.
 */
export async function listen(app: Express, port: number): Promise<{ server: Server; port: number }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, (error?: Error) =>
      error
        ? reject(new StartupError(`cannot listen on port ${port}: ${reasonOf(error)}`, { port }, error))
        : resolve(listening),
    );
  });
  server.on('clientError', answerClientError);
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}

/** What Node's HTTP parser refused, as Node itself would answer it, but with a JSON body. */
const CLIENT_ERRORS: Record<string, [status: number, reason: string, errorCode: string, desc: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'the request line or headers are too large',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'the request took too long to arrive',
  ],
};
const BAD_REQUEST: [number, string, string, string] = [
  400,
  'Bad Request',
  'bad_request',
  'the request could not be parsed as HTTP',
];

/**
 * A request Node's HTTP parser refuses (oversized headers or URL, a malformed request line) never
 * reaches Express. It still gets the API's error body, and the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A response already under way on this connection (Node marks it on the socket): writing now
  // would splice into its body. Close instead, as Node's own handler does.
  const answering = (socket as { _httpMessage?: unknown })._httpMessage != null;
  if (error.code === 'ECONNRESET' || !socket.writable || answering) {
    socket.destroy();
    return;
  }
  const [status, reason, errorCode, desc] = CLIENT_ERRORS[error.code ?? ''] ?? BAD_REQUEST;
  const body = JSON.stringify({ error_code: errorCode, desc });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const IDLE_SWEEP_MS = 50;

/**
 * Stops taking connections and resolves once every request in flight has been answered. A
 * kept-alive connection that goes idle after its answer would otherwise hold the server open until
 * its keep-alive timeout, so idle connections are closed as they appear.
 */
export function drainServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
  });
}

/**
 * A worker started alone has no API; with WORKER_PORT set it serves only /healthz, /readyz and
 * /metrics, so it can be probed and scraped like the API.
 */
export async function startProbeServer(
  telemetry: Telemetry,
  logger: Logger,
  port: number,
): Promise<RunningRole & { port: number }> {
  const app = express();
  app.disable('x-powered-by');
  const deps = { logger, telemetry };
  app.use(observeRequests(deps));
  const routes = Router();
  mountRoutes(routes, probeRoutes, deps, () => []);
  app.use(routes);
  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  const { server, port: boundPort } = await listen(app, port);
  logger.info({ port: boundPort }, 'probes and metrics listening');
  let draining: Promise<void> | undefined;
  const drain = () => (draining ??= drainServer(server));
  return { port: boundPort, drain, close: drain };
}
