import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { announceReady, roleEnv } from './env.js';

/**
 * Baseline (b): (a) plus one INSERT of the raw body and one queue.add. The floor of any accept path.
 * Its job is what the raw worker (d) takes, so the two make the naive pipeline of phase (e).
 */
const { port, databaseUrl, redisUrl, prefix, queue: queueName } = roleEnv();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const queue = new Queue(queueName, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix,
});
const app = express();
app.use(express.json({ limit: 1024 * 1024 }));
app.post('/v1/orders', async (req, res) => {
  // The order id (for the bench's phase tags) and the player (for the worker's lock) as columns,
  // as Armory keeps them; nothing is validated.
  const { order_id, player_uuid } = req.body as { order_id?: string; player_uuid?: string };
  const { rows } = await pool.query<{ id: string }>(
    'insert into bench_raw_order (order_id, player_uuid, body) values ($1, $2, $3) returning id',
    [order_id, player_uuid, req.body],
  );
  await queue.add('order', { id: rows[0]!.id, player_uuid });
  res.status(202).json({ id: rows[0]!.id, status: 'queued' });
});
const server = app.listen(port, () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : port);
});
