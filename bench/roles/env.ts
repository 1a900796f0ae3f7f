/** Settings a benchmark role process receives from the orchestrator. */
export function roleEnv() {
  const env = process.env;
  return {
    databaseUrl: env.DATABASE_URL ?? '',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: env.QUEUE_PREFIX ?? 'bench',
    port: Number(env.PORT ?? 0),
    concurrency: Number(env.WORKER_CONCURRENCY ?? 8),
  };
}

/** Tells the orchestrator this role is up (it reads the child's stdout for this line). */
export function announceReady(port = 0): void {
  process.stdout.write(`READY ${port}\n`);
}
