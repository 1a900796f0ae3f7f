import { startApi } from './api/main.js';
import { runRole } from './runtime.js';
import { startWorker } from './workers/main.js';

/**
 * `npm start`: the API and the workers in one process, composed from the same two functions and
 * sharing one Observability, so one /metrics shows both.
 */
await runRole('all', async (config, orm, logger, observability) => [
  await startApi(config, orm, logger, config.PORT, observability),
  startWorker(config, orm, logger, observability),
]);
