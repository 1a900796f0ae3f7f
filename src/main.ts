import { takeStopSignals } from './stop-signals.js';

// First, before anything heavy loads: a stop during startup ends the process cleanly.
takeStopSignals();
const { runRole } = await import('./runtime.js');
const { startApi } = await import('./api/api-role.js');
const { startWorker } = await import('./workers/worker-role.js');

/**
 * `npm start`: the API and the workers in one process, composed from the same two functions and
 * sharing one Telemetry, so one /metrics shows both.
 */
await runRole('all', async (config, orm, logger, telemetry) => [
  await startApi(config, orm, logger, config.PORT, telemetry),
  startWorker(config, orm, logger, telemetry),
]);
