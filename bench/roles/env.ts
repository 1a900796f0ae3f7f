/** Settings a benchmark role process receives from the orchestrator. */
export function roleEnv() {
  const env = process.env;
  return {
    databaseUrl: env.DATABASE_URL ?? '',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: env.QUEUE_PREFIX ?? 'bench',
    port: Number(env.PORT ?? 0),
    concurrency: Number(env.WORKER_CONCURRENCY ?? 8),
    /** The BullMQ queue a producer adds to and a worker takes from: one pair shares a name. */
    queue: env.QUEUE_NAME ?? 'bench',
  };
}

/** Tells the orchestrator this role is up (it reads the child's stdout for this line). */
export function announceReady(port = 0): void {
  process.stdout.write(`READY ${port}\n`);
}
