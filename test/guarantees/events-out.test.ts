import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseCatalog, GEM_GRANT } from '../helpers/catalog-fixture.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

/**
 * Events out to a real HTTP receiver on loopback that fails, times out and recovers: every final
 * order reaches it at least once, signed as Standard Webhooks, each player's in effect order, with
 * a delivery log ops can read and replay.
 */

const MAX_ATTEMPTS = 6;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: {
      EVENT_TIMEOUT_MS: '300',
      EVENT_RETRY_BASE_MS: '20',
      EVENT_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      SWEEP_INTERVAL_MS: '200',
      SWEEP_MIN_AGE_MS: '1000',
    },
    catalog: baseCatalog,
  });
});
afterAll(() => h.close());

interface Received {
  id: string;
  type: string;
  orderId: string;
  player: string;
  appliedSeq: number;
  refundOf: string | null;
}

/** What the receiver does with a delivery: answer 2xx, fail with 500, or never answer. */
type Behaviour = (message: Received, attempt: number) => 'ok' | 'fail' | 'hang';

/** An HTTP endpoint that checks each signature and answers as `behaviour` says. */
async function startReceiver(secret: string, behaviour: Behaviour) {
  const attempts = new Map<string, number>();
  const accepted: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
        type: string;
        data: { order_id: string; player_uuid: string; applied_seq: number; refund_of: string | null };
      };
      const message: Received = {
        id: req.headers['webhook-id'] as string,
        type: event.type,
        orderId: event.data.order_id,
        player: event.data.player_uuid,
        appliedSeq: event.data.applied_seq,
        refundOf: event.data.refund_of,
      };
      const attempt = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, attempt);
      const answer = behaviour(message, attempt);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      if (answer === 'fail') {
        res.writeHead(500).end();
        return;
      }
      accepted.push(message);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return {
    url,
    accepted,
    attempts,
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

async function subscribe(subscriptions: { url: string; events: string[]; secret: string }[]) {
  const response = await h.admin('PUT', '/v1/admin/subscriptions', { subscriptions });
  expect(response.status).toBe(200);
  return response.body;
}

const grant = (player: string) => ({
  player_uuid: player,
  entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
});

it('delivers every final order at least once, each player in effect order, through failures and timeouts', async () => {
  const secret = newSecret();
  // Each event: a 500 first, then no answer (a timeout), then accepted.
  const receiver = await startReceiver(secret, (_message, attempt) =>
    attempt === 1 ? 'fail' : attempt === 2 ? 'hang' : 'ok',
  );
  try {
    await subscribe([{ url: receiver.url, events: ['order.finished'], secret }]);
    const players = [newPlayer(), newPlayer(), newPlayer()];
    const accepted = await Promise.all(
      Array.from({ length: 4 }, () => players)
        .flat()
        .map((player) => h.server('POST', '/v1/orders', grant(player))),
    );
    expect(accepted.every((response) => response.status === 202)).toBe(true);
    await until(
      () => Promise.resolve(receiver.accepted.length >= 12),
      'the receiver to accept the events',
      30_000,
    );

    for (const player of players) {
      const seqs = receiver.accepted.filter((message) => message.player === player).map((m) => m.appliedSeq);
      expect(seqs).toEqual([1, 2, 3, 4]);
    }
    expect(new Set(receiver.accepted.map((message) => message.id)).size).toBe(12);
    // Every delivery took three attempts under one webhook-id: the failure, the timeout, the success.
    expect([...receiver.attempts.values()].every((count) => count === 3)).toBe(true);

    // The receiver answers before the worker writes the delivery back: wait for the log to say so.
    const readLog = () => h.admin('GET', `/v1/admin/deliveries?player_uuid=${players[0]}`);
    await until(
      async () =>
        ((await readLog()).body.deliveries as { status: string }[]).every(
          (delivery) => delivery.status === 'delivered',
        ),
      'the delivery log to show every delivery delivered',
    );
    const log = await readLog();
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toHaveLength(4);
    expect(log.body.deliveries[0]).toMatchObject({
      event_type: 'order.finished',
      status: 'delivered',
      attempts: 3,
      last_status_code: 204,
      url: receiver.url,
    });
    expect(log.body.deliveries.map((d: { applied_seq: number }) => d.applied_seq)).toEqual([4, 3, 2, 1]);
  } finally {
    await receiver.close();
  }
});

it('gives up on a delivery after its attempts, lets the next go, and sends it again when replayed', async () => {
  const secret = newSecret();
  const stuck = `stuck-${randomBytes(8).toString('hex')}`;
  let refusing = true;
  const receiver = await startReceiver(secret, (message) =>
    refusing && message.orderId === stuck ? 'fail' : 'ok',
  );
  try {
    await subscribe([{ url: receiver.url, events: ['order.finished'], secret }]);
    const player = newPlayer();
    await h.submit({ ...grant(player), order_id: stuck });
    const after = await h.submit(grant(player));
    await until(
      () => Promise.resolve(receiver.accepted.some((message) => message.orderId === after.body.order_id)),
      'the receiver to accept the events',
      20_000,
    );
    expect(receiver.attempts.get(receiver.accepted[0]!.id)).toBe(1);
    const failed = await h.admin('GET', `/v1/admin/deliveries?status=failed&player_uuid=${player}`);
    expect(failed.body.deliveries).toEqual([
      expect.objectContaining({
        order_id: stuck,
        attempts: MAX_ATTEMPTS,
        last_status_code: 500,
        status: 'failed',
      }),
    ]);

    refusing = false;
    const replay = await h.admin(
      'POST',
      `/v1/admin/deliveries/${failed.body.deliveries[0].delivery_id}/replay`,
    );
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0 });
    await until(
      () => Promise.resolve(receiver.accepted.some((message) => message.orderId === stuck)),
      'the receiver to accept the events',
      20_000,
    );
    // As above, the write-back follows the receiver's answer.
    const deliveredIds = async () =>
      (
        (await h.admin('GET', `/v1/admin/deliveries?player_uuid=${player}&status=delivered`)).body
          .deliveries as { order_id: string }[]
      )
        .map((delivery) => delivery.order_id)
        .sort();
    await until(async () => (await deliveredIds()).length === 2, 'both deliveries to be logged delivered');
    expect(await deliveredIds()).toEqual([stuck, after.body.order_id].sort());
    // The replay is the same message: the subscriber can tell it from a new event.
    const replayed = receiver.accepted.find((message) => message.orderId === stuck)!;
    expect(replayed.id).toBe(`msg_${failed.body.deliveries[0].delivery_id}`);
    expect((await h.admin('POST', '/v1/admin/deliveries/999999999/replay')).status).toBe(404);
  } finally {
    await receiver.close();
  }
});

it('delivers an event whose job was lost: the sweeper gives its stream a job', async () => {
  const secret = newSecret();
  const receiver = await startReceiver(secret, () => 'ok');
  try {
    const player = newPlayer();
    // Made final before the subscription existed: it raised no event. Its event is stored now as
    // the order's own statement would have, but no job is ever added for it.
    const order = await h.submit(grant(player));
    const put = await subscribe([{ url: receiver.url, events: ['order.finished'], secret }]);
    await h.sql(
      `insert into event_delivery (subscription_id, player_uuid, order_id, applied_seq, event_type, next_attempt_at)
       values (?, ?, ?, 1, 'order.finished', clock_timestamp() - interval '1 minute')`,
      [put.subscriptions[0].subscription_id, player, order.body.order_id],
    );
    await until(
      () => Promise.resolve(receiver.accepted.length >= 1),
      'the sweeper to deliver the event',
      20_000,
    );
    expect(receiver.accepted).toEqual([
      expect.objectContaining({ orderId: order.body.order_id, appliedSeq: 1 }),
    ]);
  } finally {
    await receiver.close();
  }
});

it('tells a subscriber to order.refunded of a refund, and keeps subscriptions as they were put', async () => {
  const secret = newSecret();
  const receiver = await startReceiver(secret, () => 'ok');
  try {
    const put = await subscribe([{ url: receiver.url, events: ['order.refunded'], secret }]);
    expect(put.subscriptions).toEqual([
      expect.objectContaining({
        url: receiver.url,
        events: ['order.refunded'],
        subscription_id: expect.any(String),
      }),
    ]);
    expect(JSON.stringify(put)).not.toContain(secret);
    const player = newPlayer();
    const granted = await h.submit(grant(player));
    const refund = await h.server('POST', `/v1/orders/${granted.body.order_id}/refund`, undefined, {
      prefer: 'wait=20',
    });
    expect(refund.body.status).toBe('succeeded');
    await until(
      () => Promise.resolve(receiver.accepted.length >= 1),
      'the receiver to accept the events',
      20_000,
    );
    expect(receiver.accepted).toEqual([
      expect.objectContaining({
        type: 'order.refunded',
        orderId: refund.body.order_id,
        refundOf: granted.body.order_id,
      }),
    ]);

    const bad = await h.admin('PUT', '/v1/admin/subscriptions', {
      subscriptions: [{ url: 'ftp://x', events: ['order.sold'], secret: 'plain' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail.map((d: { loc: (string | number)[] }) => d.loc.slice(-1)[0])).toEqual(
      expect.arrayContaining(['url', 0, 'secret']),
    );
    await subscribe([]);
    expect((await h.admin('GET', '/v1/admin/subscriptions')).body).toEqual({ subscriptions: [] });
  } finally {
    await receiver.close();
  }
});
