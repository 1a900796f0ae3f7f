import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { announceReady, roleEnv } from './env.js';

/** Baseline (b): (a) plus one INSERT of the raw body and one queue.add. The floor of any accept path. */
const { port, databaseUrl, redisUrl, prefix } = roleEnv();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const queue = new Queue('minimal', {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix,
});
const app = express();
app.use(express.json({ limit: 1024 * 1024 }));
app.post('/v1/orders', async (req, res) => {
  const { rows } = await pool.query<{ id: string }>(
    'insert into bench_raw_order (body) values ($1) returning id',
    [req.body],
  );
  await queue.add('order', { id: rows[0]!.id });
  res.status(202).json({ id: rows[0]!.id, status: 'queued' });
});
const server = app.listen(port, () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : port);
});
