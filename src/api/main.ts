import { takeStopSignals } from '../stop-signals.js';

// First, before anything heavy loads: a stop during startup ends the process cleanly.
takeStopSignals();
const { runRole } = await import('../runtime.js');
const { startApi } = await import('./api-role.js');

/** `npm run start:api`: the API role alone. */
await runRole('api', async (config, orm, logger, telemetry) => [
  await startApi(config, orm, logger, config.PORT, telemetry),
]);
