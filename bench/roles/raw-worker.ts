import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { announceReady, roleEnv } from './env.js';

/**
 * Baseline (d): one hand-written SQL transaction per order through `pg`: lock the player row,
 * update one inventory row, insert one result row, mark the order done. What a one-transaction-
 * per-order design costs at best. It takes jobs `{ id, player_uuid }` from QUEUE_NAME: the bench's
 * own backlog for (d), or what the minimal accept (b) enqueues for the naive pipeline of (e).
 */
const { databaseUrl, redisUrl, prefix, concurrency, queue } = roleEnv();
const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 2 });

async function applyOrder(job: Job<{ id: string; player_uuid: string }>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select 1 from player where player_uuid = $1 for update', [job.data.player_uuid]);
    await client.query(
      `update inventory_record set count = count - 1 where player_uuid = $1 and legacy_inventory_id = 1`,
      [job.data.player_uuid],
    );
    await client.query('insert into bench_raw_result (order_id, result) values ($1, $2)', [
      job.data.id,
      'success',
    ]);
    await client.query(
      `update bench_raw_order set status = 'done', completed_time = clock_timestamp() where id = $1`,
      [job.data.id],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

const worker = new Worker(queue, applyOrder, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix,
  concurrency,
  removeOnComplete: { count: 1000 },
});
await worker.waitUntilReady();
announceReady();
