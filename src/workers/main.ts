import { takeStopSignals } from '../stop-signals.js';

// First, before anything heavy loads: a stop during startup ends the process cleanly.
takeStopSignals();
const { runRole } = await import('../runtime.js');
const { startProbeServer } = await import('../http/server.js');
const { startWorker } = await import('./worker-role.js');

/** `npm run start:worker`: the worker role alone, with probes on WORKER_PORT when it is set. */
await runRole('worker', async (config, orm, logger, telemetry) => {
  const worker = startWorker(config, orm, logger, telemetry);
  if (config.WORKER_PORT === undefined) return [worker];
  // Drained after the worker: probes and scrapes keep answering (503 on /readyz) while jobs finish.
  return [worker, await startProbeServer(telemetry, logger, config.WORKER_PORT)];
});
