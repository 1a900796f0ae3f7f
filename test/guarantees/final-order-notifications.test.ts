import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FINAL_ORDERS_CHANNEL,
  FinalOrderListener,
  finalOrderPayloads,
} from '../../src/stores/final-orders.js';
import { baseCatalog, grantGems } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

/**
 * PostgreSQL's word that orders became final: the write-back NOTIFYs their ids at commit, and an
 * API process's listener wakes the requests waiting for them. A notification is a hint, never an
 * answer: a lost one costs time only.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

const silent = pino({ level: 'silent' });
const notify = (payload: string) => h.sql(`select pg_notify('${FINAL_ORDERS_CHANNEL}', ?)`, [payload]);

describe('finalOrderPayloads', () => {
  it('puts ids in space-separated payloads under PostgreSQL limit, as many as they need', () => {
    expect(finalOrderPayloads([])).toEqual([]);
    expect(finalOrderPayloads(['a', 'b'])).toEqual(['a b']);
    const ids = Array.from({ length: 400 }, (_, i) => `steam:${String(i).padStart(64, '0')}`);
    const payloads = finalOrderPayloads(ids);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(payloads.join(' ').split(' ')).toEqual(ids);
  });
});

describe('FinalOrderListener', () => {
  it('wakes a watch on a notification naming its order, kept if it comes before the watch waits', async () => {
    const listener = new FinalOrderListener(h.config.DATABASE_URL, silent);
    listener.start();
    try {
      const watch = listener.watch('order-1');
      const other = listener.watch('order-2');
      // Connected once a notification gets through.
      await until(async () => {
        await notify('order-1');
        return Promise.race([
          watch.next().then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 50)),
        ]);
      }, 'the listener to connect');
      await notify('order-0 order-1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The notification came while no one waited: the next wait takes it at once.
      await watch.next();
      let otherWoken = false;
      void other.next().then(() => (otherWoken = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(otherWoken).toBe(false);
      watch.close();
      other.close();
    } finally {
      await listener.close();
    }
  });

  it('listens again after its connection is cut', async () => {
    const listener = new FinalOrderListener(h.config.DATABASE_URL, silent);
    listener.start();
    try {
      const watch = listener.watch('order-x');
      const woken = async () => {
        await notify('order-x');
        return Promise.race([
          watch.next().then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 50)),
        ]);
      };
      await until(woken, 'the listener to connect');
      await h.sql(
        `select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen ${FINAL_ORDERS_CHANNEL}' and datname = current_database()`,
      );
      await until(woken, 'the listener to reconnect');
      watch.close();
    } finally {
      await listener.close();
    }
  });
});

describe('the write-back', () => {
  it('notifies the ids of the orders it made final, when its transaction commits', async () => {
    const client = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await client.connect();
    const heard: string[] = [];
    client.on('notification', (message) => heard.push(...(message.payload ?? '').split(' ')));
    await client.query(`listen ${FINAL_ORDERS_CHANNEL}`);
    try {
      const response = await h.submit(grantGems(newPlayer()));
      expect(response.body.status).toBe('succeeded');
      await until(() => Promise.resolve(heard.includes(response.body.order_id)), 'the notification');
    } finally {
      await client.end();
    }
  });
});
