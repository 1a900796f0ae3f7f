import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { webhookSignature } from '../helpers/credentials.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, GEM_GRANT, GEMS } from '../helpers/catalog-fixture.js';
import { acceptOrders } from '../../src/stores/order-store.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';
import { waitForOrders } from '../helpers/orders.js';

const SECRETS = { steam: 's1', psn: 's2', xbox: 's3' } as const;
type PlatformName = keyof typeof SECRETS;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: {
      WEBHOOK_SECRET_STEAM: SECRETS.steam,
      WEBHOOK_SECRET_PSN: SECRETS.psn,
      WEBHOOK_SECRET_XBOX: SECRETS.xbox,
    },
    catalog: baseCatalog,
  });
});
afterAll(() => h.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);

const sign = webhookSignature;

function post(platform: string, body: string, signature?: string, headers: Record<string, string> = {}) {
  return postBytes(platform, body, signature, headers);
}

function postBytes(
  platform: string,
  body: string | Buffer,
  signature?: string,
  headers: Record<string, string> = {},
) {
  return h.request('POST', `/v1/webhooks/${platform}`, {
    rawBody: body,
    headers: signature === undefined ? headers : { 'x-armory-signature': signature, ...headers },
  });
}

/** Signed with the platform's own secret, now; `Prefer: wait` so the answer is the final order. */
const deliver = (platform: PlatformName, body: string) =>
  post(platform, body, sign(SECRETS[platform], body), { prefer: 'wait=20' });

/** A platform event granting 100 gems; it names another source and bucket, which must not count. */
const gemEvent = (player: string, eventId = `evt-${randomUUID()}`) => ({
  order_id: eventId,
  player_uuid: player,
  source: 'IN_GAME',
  entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1, use_inventory_bucket: 'free' }],
});

const storedOrders = async (player: string) =>
  (
    await h.sql<{ n: number }>('select count(*)::int as n from player_order where player_uuid = ?', [player])
  )[0]!.n;

const expectAuthRefused = (response: { status: number; body: any }) => {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({
    auth_success: false,
    error_code: expect.any(String),
    desc: expect.any(String),
  });
};

/** Nothing of a refused delivery is stored (so nothing can be queued later) or granted. */
async function expectNothingStored(player: string) {
  expect(await storedOrders(player)).toBe(0);
  // Every player holds the fixture's always-owned badge; nothing else may be there.
  const held = await h.inventory(player);
  expect(held.filter((record) => record.type !== 'always_owned')).toEqual([]);
  expect(await h.sql('select 1 from inventory_record where player_uuid = ?', [player])).toEqual([]);
}

describe('a signed platform order', () => {
  it('from STEAM is accepted with source STEAM and its grants in bucket steam, whatever the body said', async () => {
    const player = newPlayer();
    // Pretty-printed on purpose: the signature is over these exact bytes, not a re-serialization.
    const body = JSON.stringify(gemEvent(player), null, 2);
    const response = await deliver('steam', body);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(response.body.source).toBe('STEAM');
    expect(response.body.entries[0].use_inventory_bucket).toBe('steam');
    expect(response.body.entries[0].result).toBe('success');

    const steam = await h.inventory(player, `&bucket=steam&item_id=${GEMS}`);
    expect(steam.map((record) => [record.bucket, record.count])).toEqual([['steam', 100]]);
    expect(await h.inventory(player, '&bucket=free')).toEqual([]);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it.each([
    ['psn', 'PSN', 'psn'],
    ['xbox', 'XBOX', 'xbox_live'],
  ] as const)(
    'from %s is stored with source %s and granted into bucket %s',
    async (platform, source, bucket) => {
      const player = newPlayer();
      const response = await deliver(platform, JSON.stringify(gemEvent(player)));
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('succeeded');
      expect(response.body.source).toBe(source);
      expect(response.body.entries[0].use_inventory_bucket).toBe(bucket);

      const inBucket = await h.inventory(player, `&bucket=${bucket}`);
      expect(inBucket.map((record) => [record.item_id, record.count])).toEqual([[GEMS, 100]]);
      expect(await h.inventory(player, '&bucket=free')).toEqual([]);
      expect(await h.inventory(player, '&bucket=steam')).toEqual([]);
    },
  );

  it('is forced to the platform even when its source and bucket are not valid values', async () => {
    const player = newPlayer();
    const event = {
      ...gemEvent(player),
      source: 'NOT_A_SOURCE',
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1, use_inventory_bucket: 'nowhere' }],
    };
    const response = await deliver('psn', JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(response.body.source).toBe('PSN');
    expect(response.body.entries[0].use_inventory_bucket).toBe('psn');
    expect(await h.balance(player, GEMS)).toBe(100);
    expect((await h.inventory(player, '&bucket=psn')).length).toBe(1);
  });

  it('without Prefer: wait answers 202 queued with a Location, and then takes effect', async () => {
    const player = newPlayer();
    const event = gemEvent(player);
    const body = JSON.stringify(event);
    const response = await post('xbox', body, sign(SECRETS.xbox, body));
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('queued');
    // Stored in the platform's namespace: no other platform or caller can take or block it.
    expect(response.body.order_id).toBe(`xbox:${event.order_id}`);
    expect(response.headers.get('location')).toBe(
      `/v1/orders/${encodeURIComponent(`xbox:${event.order_id}`)}`,
    );

    const final = await h.server('GET', response.headers.get('location')!, undefined, { prefer: 'wait=20' });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('redelivered is answered 200 Idempotent-Replayed and applied once', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    const first = await deliver('steam', body);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');

    // A redelivery is signed again, later: another timestamp, the same event.
    const again = await post('steam', body, sign(SECRETS.steam, body, nowSeconds() + 1));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.order_id).toBe(first.body.order_id);
    expect(again.body.status).toBe('succeeded');

    expect(await storedOrders(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('with the same event id and a different body is a 409 and changes nothing', async () => {
    const player = newPlayer();
    const event = gemEvent(player);
    expect((await deliver('steam', JSON.stringify(event))).status).toBe(200);

    const changed = JSON.stringify({ ...event, entries: [{ ...event.entries[0], quantity: 2 }] });
    const response = await deliver('steam', changed);
    expect(response.status).toBe(409);
    expect(response.body.error_code).toBe('idempotency_conflict');
    expect(await storedOrders(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('signed 299 s ago is accepted', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    const response = await post('steam', body, sign(SECRETS.steam, body, nowSeconds() - 299), {
      prefer: 'wait=20',
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('a webhook that is not properly signed is 401 and stores nothing', () => {
  it('with a signature that is not the HMAC of the body', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    expectAuthRefused(await post('steam', body, `t=${nowSeconds()},v1=${'ab'.repeat(32)}`));
    expectAuthRefused(await post('steam', body, sign('not-the-secret', body)));
    await expectNothingStored(player);
  });

  // A few seconds past the 300 s tolerance: timestamps are whole seconds, and under load the
  // server's second may tick over after the test took its own.
  it.each([
    ['305 s old', -305],
    ['305 s ahead', 305],
  ])('with a timestamp %s (correctly signed)', async (_name, offset) => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    expectAuthRefused(await post('steam', body, sign(SECRETS.steam, body, nowSeconds() + offset)));
    await expectNothingStored(player);
  });

  it('with the body altered after signing', async () => {
    const player = newPlayer();
    const signed = JSON.stringify(gemEvent(player));
    const altered = signed.replace('"quantity":1', '"quantity":9');
    expect(altered).not.toBe(signed);
    expectAuthRefused(await post('steam', altered, sign(SECRETS.steam, signed)));
    // Even a change that means the same JSON breaks the signature: it is over the bytes.
    expectAuthRefused(await post('steam', `${signed}\n`, sign(SECRETS.steam, signed)));
    await expectNothingStored(player);
  });

  it('with the timestamp altered after signing', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    const signature = sign(SECRETS.steam, body, nowSeconds() - 10);
    const moved = signature.replace(/^t=(\d+)/, (_match, t: string) => `t=${Number(t) + 5}`);
    expectAuthRefused(await post('steam', body, moved));
    await expectNothingStored(player);
  });

  it("signed with another platform's secret", async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    expectAuthRefused(await post('steam', body, sign(SECRETS.psn, body)));
    expectAuthRefused(await post('xbox', body, sign(SECRETS.steam, body)));
    expectAuthRefused(await post('psn', body, sign(SECRETS.xbox, body)));
    await expectNothingStored(player);
  });

  it('without the header, even with the server key', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    expectAuthRefused(await post('steam', body));
    expectAuthRefused(await post('steam', body, undefined, { authorization: 'Bearer test-server-key' }));
    await expectNothingStored(player);
  });

  it('with a malformed header', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    const good = sign(SECRETS.steam, body);
    const [timestampPart, macPart] = good.split(',') as [string, string];
    const mac = macPart.slice('v1='.length);
    const malformed = [
      '',
      'garbage',
      timestampPart,
      macPart,
      `${good},${macPart}`,
      `${good},v0=${mac}`,
      `t=soon,${macPart}`,
      `${timestampPart},v1=${mac.slice(0, 62)}`,
      `${timestampPart},v1=${mac}00`,
      `${timestampPart},v1=${'zz'.repeat(32)}`,
      `${timestampPart};${macPart}`,
      `sha256=${mac}`,
    ];
    for (const header of malformed) {
      const response = await post('steam', body, header);
      expect({ header, status: response.status }).toEqual({ header, status: 401 });
      expectAuthRefused(response);
    }
    await expectNothingStored(player);
  });

  it('to a platform that does not exist: an unknown route, 404', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    for (const platform of ['nintendo', '__proto__']) {
      const response = await post(platform, body, sign(SECRETS.steam, body));
      expect(response.status).toBe(404);
      expect(response.body.error_code).toBe('not_found');
    }
    await expectNothingStored(player);
  });
});

describe('a signed webhook with a bad body', () => {
  it('without order_id is a 422 at body.order_id', async () => {
    const player = newPlayer();
    const { order_id: _omitted, ...event } = gemEvent(player);
    const response = await deliver('steam', JSON.stringify(event));
    expect(response.status).toBe(422);
    expect(response.body.detail).toEqual([
      { loc: ['body', 'order_id'], msg: expect.any(String), type: 'missing' },
    ]);
    await expectNothingStored(player);
  });

  it('with malformed JSON is a 422 at body', async () => {
    const response = await deliver('steam', '{"order_id": "evt-1",');
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      detail: [{ loc: ['body'], msg: expect.any(String), type: expect.any(String) }],
    });
    expect(await h.sql('select 1 from player_order where order_id = ?', ['evt-1'])).toEqual([]);
  });

  it('with an invalid entry is a 422 naming it, like /v1/orders', async () => {
    const player = newPlayer();
    const event = { ...gemEvent(player), entries: [{ type: 'fill_loot', loot_id: GEM_GRANT }] };
    const response = await deliver('psn', JSON.stringify(event));
    expect(response.status).toBe(422);
    expect(response.body.detail.map((item: { loc: unknown }) => item.loc)).toEqual([
      ['body', 'entries', 0, 'quantity'],
    ]);
    await expectNothingStored(player);
  });

  it('over 1 MiB is a 413', async () => {
    const player = newPlayer();
    const body = JSON.stringify({ ...gemEvent(player), padding: 'x'.repeat(1024 * 1024) });
    const response = await deliver('steam', body);
    expect(response.status).toBe(413);
    await expectNothingStored(player);
  });

  it('over 1 MiB once decompressed is a 413', async () => {
    const player = newPlayer();
    const compressed = gzipSync(JSON.stringify({ ...gemEvent(player), padding: 'x'.repeat(1024 * 1024) }));
    const response = await postBytes('steam', compressed, sign(SECRETS.steam, compressed), {
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(413);
    await expectNothingStored(player);
  });

  it('in an encoding the API does not read is a 415', async () => {
    const player = newPlayer();
    const body = JSON.stringify(gemEvent(player));
    const response = await post('steam', body, sign(SECRETS.steam, body), { 'content-encoding': 'compress' });
    expect(response.status).toBe(415);
    expect(response.body.error_code).toBe('unsupported_media_type');
    await expectNothingStored(player);
  });
});

describe('a compressed webhook body', () => {
  it('is verified over the bytes as sent, then decompressed', async () => {
    const player = newPlayer();
    const compressed = gzipSync(JSON.stringify(gemEvent(player)));
    const response = await postBytes('psn', compressed, sign(SECRETS.psn, compressed), {
      'content-encoding': 'gzip',
      prefer: 'wait=20',
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('signed over its decompressed text is a 401: the signature must cover what was sent', async () => {
    const player = newPlayer();
    const text = JSON.stringify(gemEvent(player));
    const response = await postBytes('psn', gzipSync(text), sign(SECRETS.psn, text), {
      'content-encoding': 'gzip',
    });
    expectAuthRefused(response);
    await expectNothingStored(player);
  });
});

describe("event ids in their platform's namespace", () => {
  it('a Steam event, a PSN event and a game server order with one id all go through, each once', async () => {
    const player = newPlayer();
    const eventId = `evt-${randomUUID()}`;
    // The game server takes the bare id first: it must block neither platform.
    const server = await h.submit({ ...gemEvent(player, eventId), source: 'IN_GAME' });
    expect(server.status).toBe(200);
    expect(server.body.order_id).toBe(eventId);

    const steam = await deliver('steam', JSON.stringify(gemEvent(player, eventId)));
    const psn = await deliver('psn', JSON.stringify(gemEvent(player, eventId)));
    expect([steam.status, psn.status]).toEqual([200, 200]);
    expect([steam.body.order_id, psn.body.order_id]).toEqual([`steam:${eventId}`, `psn:${eventId}`]);
    expect(steam.headers.get('idempotent-replayed')).toBeNull();

    const again = await deliver('steam', JSON.stringify(gemEvent(player, eventId)));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await storedOrders(player)).toBe(3);
    expect(await h.balance(player, GEMS)).toBe(300);
  });

  it('an event accepted before ids had namespaces (stored under its bare id) is a replay when sent again', async () => {
    const player = newPlayer();
    const event = gemEvent(player);
    // How the event was stored then: the platform's order under the bare event id.
    const [before] = await acceptOrders(h.orm.em.fork(), [
      {
        create: {
          ...event,
          source: 'STEAM',
          entries: [{ ...event.entries[0]!, use_inventory_bucket: 'steam' }],
        },
        scope: 'server',
      },
    ]);
    expect(before?.kind).toBe('accepted');
    await waitForOrders(h, [event.order_id]);

    const again = await deliver('steam', JSON.stringify(event));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.order_id).toBe(event.order_id);
    expect(await storedOrders(player)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('a game server cannot take a namespaced id: it is not an order id a caller may choose', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', { ...gemEvent(player), order_id: 'steam:evt-1' });
    expect(response.status).toBe(422);
    expect(response.body.detail.map((item: { loc: unknown }) => item.loc)).toEqual([['body', 'order_id']]);
    await expectNothingStored(player);
  });
});
