import express from 'express';
import { announceReady, roleEnv } from './env.js';

/** Baseline (a): Express 5 parsing the same bodies and answering 202, nothing else. */
const { port } = roleEnv();
const app = express();
app.use(express.json({ limit: 1024 * 1024 }));
app.post('/v1/orders', (req, res) => {
  res.status(202).json({ order_id: (req.body as { order_id?: string }).order_id, status: 'queued' });
});
const server = app.listen(port, () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : port);
});
