import { startApi } from './api/main.js';
import { runRole } from './runtime.js';
import { startWorker } from './workers/main.js';

/** `npm start`: the API and the workers in one process, composed from the same two functions. */
await runRole('all', async (config, orm, logger) => [
  await startApi(config, orm, logger),
  startWorker(config, orm, logger),
]);
