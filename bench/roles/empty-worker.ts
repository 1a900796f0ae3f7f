import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { announceReady, roleEnv } from './env.js';

/** Baseline (c): a BullMQ worker whose processor does nothing: the queue's own ceiling. */
const { redisUrl, prefix, concurrency } = roleEnv();
const worker = new Worker('empty', async () => {}, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix,
  concurrency,
  removeOnComplete: { count: 1000 },
});
await worker.waitUntilReady();
announceReady();
