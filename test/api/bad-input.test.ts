import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BADGE,
  baseCatalog,
  GEM_GRANT,
  GEMS,
  grantGems,
  SWORD,
  SWORD_PACK,
} from '../helpers/catalog-fixture.js';
import { newPlayer, SERVER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { expectErrorBody, expectNoLeak, expectValidation } from '../helpers/responses.js';
import { until } from '../helpers/wait.js';

/**
 * Contract sections 3 (errors) and 5 (what a PlayerOrderCreate may hold): every refused request is
 * answered with the documented status and body shape, never a stack trace, and stores nothing.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

const serverAuth = { authorization: `Bearer ${SERVER_KEY}` };

const ordersOf = (player: string) => h.orderCount(player);

const allOrders = () => h.orderCount();

/** The player holds only what every player holds: the always-owned badge. */
async function expectUntouched(player: string): Promise<void> {
  expect(await ordersOf(player)).toBe(0);
  const inventory = await h.inventory(player);
  expect(inventory.map((record) => [record.item_id, record.type])).toEqual([[BADGE, 'always_owned']]);
}

const createSword = (player: string, expires: unknown) => ({
  player_uuid: player,
  entries: [{ type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 1, expires }],
});

describe('malformed and oversized bodies', () => {
  it('malformed JSON is a 422 at loc ["body"] and stores nothing', async () => {
    const player = newPlayer();
    const before = await allOrders();
    const response = await h.request('POST', '/v1/orders', {
      rawBody: `{"player_uuid": "${player}", "entries": [{"type": "fill_loot", "loot_id": ${GEM_GRANT}, `,
      headers: serverAuth,
    });
    expectValidation(response, ['body']);
    expect(response.body.detail[0].loc).toEqual(['body']);
    expect(await allOrders()).toBe(before);
    await expectUntouched(player);
  });

  it('a JSON body that is not an object is a 422 at loc ["body"]', async () => {
    const before = await allOrders();
    for (const rawBody of ['[]', '"an order"', '42']) {
      const response = await h.request('POST', '/v1/orders', { rawBody, headers: serverAuth });
      expectValidation(response, ['body']);
    }
    expect(await allOrders()).toBe(before);
  });

  it('a 2 MiB body is a 413 {error_code, desc} and stores nothing', async () => {
    const player = newPlayer();
    const before = await allOrders();
    const rawBody = JSON.stringify({ ...grantGems(player), padding: 'x'.repeat(2 * 1024 * 1024) });
    expect(rawBody.length).toBeGreaterThan(2 * 1024 * 1024);
    const response = await h.request('POST', '/v1/orders', { rawBody, headers: serverAuth });
    expectErrorBody(response, 413);
    expect(await allOrders()).toBe(before);
    await expectUntouched(player);
  });
});

describe('wrong types', () => {
  it('quantity "abc" is a 422 at ["body","entries",0,"quantity"] and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 'abc' }],
    });
    expectValidation(response, ['body', 'entries', 0, 'quantity']);
    await expectUntouched(player);
  });

  it('names every problem, one detail item each', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [
        { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 'abc' },
        { type: 'fill_loot', loot_id: 'two hundred', quantity: 1 },
      ],
    });
    expectValidation(response, ['body', 'entries', 0, 'quantity']);
    expectValidation(response, ['body', 'entries', 1, 'loot_id']);
    await expectUntouched(player);
  });

  it('a player_uuid that is not a uuid is a 422 at ["body","player_uuid"] and stores nothing', async () => {
    const before = await allOrders();
    const response = await h.server('POST', '/v1/orders', grantGems('not-a-uuid'));
    expectValidation(response, ['body', 'player_uuid']);
    expect(await allOrders()).toBe(before);
  });

  it('a missing player_uuid is a 422 at ["body","player_uuid"]', async () => {
    const before = await allOrders();
    const response = await h.server('POST', '/v1/orders', {
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    expectValidation(response, ['body', 'player_uuid']);
    expect(await allOrders()).toBe(before);
  });

  it('entries that are not an array is a 422 at ["body","entries"] and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 },
    });
    expectValidation(response, ['body', 'entries']);
    await expectUntouched(player);
  });
});

describe('entry count', () => {
  it('101 entries is a 422 at ["body","entries"] and stores nothing', async () => {
    const player = newPlayer();
    const entries = Array.from({ length: 101 }, () => ({
      type: 'fill_loot',
      loot_id: GEM_GRANT,
      quantity: 1,
    }));
    const response = await h.server('POST', '/v1/orders', { player_uuid: player, entries });
    expectValidation(response, ['body', 'entries']);
    await expectUntouched(player);
  });

  it('0 entries is a 422 at ["body","entries"] and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', { player_uuid: player, entries: [] });
    expectValidation(response, ['body', 'entries']);
    await expectUntouched(player);
  });

  it('100 entries is accepted and every one applies', async () => {
    const player = newPlayer();
    const entries = Array.from({ length: 100 }, () => ({
      type: 'fill_loot',
      loot_id: GEM_GRANT,
      quantity: 1,
    }));
    const response = await h.submit({ player_uuid: player, entries });
    expectNoLeak(response);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(response.body.entries).toHaveLength(100);
    expect(await h.balance(player, GEMS)).toBe(100 * 100);
  });
});

describe('datetimes', () => {
  it('a datetime without a zone is a 422 at the field and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', createSword(player, '2030-01-01T00:00:00'));
    expectValidation(response, ['body', 'entries', 0, 'expires']);
    await expectUntouched(player);
  });

  it.each([
    ['with Z', '2030-01-01T00:00:00Z'],
    ['with an offset', '2030-01-01T02:00:00+02:00'],
    ['as a Unix number of seconds', 1_893_456_000],
  ])('the same datetime %s is accepted and stored as that instant', async (_label, expires) => {
    const player = newPlayer();
    const accepted = await h.server('POST', '/v1/orders', createSword(player, expires));
    expectNoLeak(accepted);
    expect(accepted.status).toBe(202);
    const final = await h.server('GET', `/v1/orders/${accepted.body.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('succeeded');
    const swords = await h.inventory(player, `&item_id=${SWORD}`);
    expect(swords).toHaveLength(1);
    expect(swords[0]!.count).toBe(1);
    expect(Date.parse(swords[0]!.expires!)).toBe(Date.parse('2030-01-01T00:00:00Z'));
  });
});

describe('entry types and fields', () => {
  it('purchase_loot without purchase_price is a 422 at the missing field and stores nothing', async () => {
    const player = newPlayer();
    await h.submit(grantGems(player));
    const ordersBefore = await ordersOf(player);
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [{ type: 'purchase_loot', loot_id: SWORD_PACK, quantity: 1 }],
    });
    expectValidation(response, ['body', 'entries', 0, 'purchase_price']);
    expect(await ordersOf(player)).toBe(ordersBefore);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect(await h.balance(player, SWORD)).toBe(0);
  });

  it('fill_loot without loot_id is a 422 at the missing field and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [{ type: 'fill_loot', quantity: 1 }],
    });
    expectValidation(response, ['body', 'entries', 0, 'loot_id']);
    await expectUntouched(player);
  });

  it('an unknown entry type is accepted (202) and finishes with invalid_entry_type, changing nothing', async () => {
    const player = newPlayer();
    const accepted = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [{ type: 'summon_dragon', loot_id: GEM_GRANT, quantity: 1 }],
    });
    expectNoLeak(accepted);
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('queued');
    expect(accepted.body.entries.map((entry: { result: string }) => entry.result)).toEqual(['not_started']);

    const final = await h.server('GET', `/v1/orders/${accepted.body.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('failed');
    expect(final.body.entries).toHaveLength(1);
    expect(final.body.entries[0].type).toBe('summon_dragon');
    expect(final.body.entries[0].result).toBe('invalid_entry_type');
    expect(final.body.entries[0].details).toEqual([]);
    const inventory = await h.inventory(player);
    expect(inventory.map((record) => record.item_id)).toEqual([BADGE]);
  });

  it('an unknown entry type next to a good entry does not stop the good one', async () => {
    const player = newPlayer();
    const final = await h.submit({
      player_uuid: player,
      entries: [{ type: 'summon_dragon' }, { type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('partially_succeeded');
    expect(final.body.entries.map((entry: { result: string }) => entry.result)).toEqual([
      'invalid_entry_type',
      'success',
    ]);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('unknown fields in an order and its entries are ignored (202) and the order runs', async () => {
    const player = newPlayer();
    const accepted = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      platform_extension: { region: 'eu', nested: [1, 2, 3] },
      new_field_2031: 'x',
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 2, sparkle: true }],
    });
    expectNoLeak(accepted);
    expect(accepted.status).toBe(202);
    expect(accepted.body.player_uuid).toBe(player);
    const final = await h.server('GET', `/v1/orders/${accepted.body.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('succeeded');
    expect(final.body.entries[0].result).toBe('success');
    expect(await h.balance(player, GEMS)).toBe(200);
  });

  it('a duplicate entry_id in one order is a 422 at the second one and stores nothing', async () => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: player,
      entries: [
        { type: 'fill_loot', entry_id: 'same', loot_id: GEM_GRANT, quantity: 1 },
        { type: 'fill_loot', entry_id: 'same', loot_id: GEM_GRANT, quantity: 1 },
      ],
    });
    expectValidation(response, ['body', 'entries', 1, 'entry_id']);
    await expectUntouched(player);
  });
});

describe('order_id', () => {
  it.each([
    ['with spaces', 'has some spaces'],
    ['of 65 characters', 'a'.repeat(65)],
    ['empty', ''],
    ['with a slash', 'a/b'],
  ])('an order_id %s is a 422 at ["body","order_id"] and stores nothing', async (_label, orderId) => {
    const player = newPlayer();
    const response = await h.server('POST', '/v1/orders', { ...grantGems(player), order_id: orderId });
    expectValidation(response, ['body', 'order_id']);
    await expectUntouched(player);
  });

  it('an order_id of 64 of [A-Za-z0-9_-] is accepted and kept', async () => {
    const player = newPlayer();
    const orderId = `Ab9_-${'z'.repeat(59)}`;
    expect(orderId).toHaveLength(64);
    const response = await h.submit({ ...grantGems(player), order_id: orderId });
    expect(response.status).toBe(200);
    expect(response.body.order_id).toBe(orderId);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nowhere', false],
    ['GET', '/v1/nowhere', true],
    ['POST', '/v1/orderz', true],
    ['DELETE', '/v1/orders', true],
  ] as const)('%s %s is a 404 {error_code, desc}', async (method, path, withKey) => {
    const before = await allOrders();
    const response = withKey
      ? await h.server(method, path, method === 'GET' ? undefined : grantGems(newPlayer()))
      : await h.request(method, path);
    expectErrorBody(response, 404);
    expect(await allOrders()).toBe(before);
  });
});

describe('strings the database cannot hold', () => {
  // PostgreSQL text cannot hold U+0000. Such input is the caller's mistake: a 422 naming the field,
  // never a 5xx, and in any case no stack trace.
  it.each([
    [
      'client_order_ref_id',
      (player: string) => ({ ...grantGems(player), client_order_ref_id: 'ref\u0000x' }),
      ['body', 'client_order_ref_id'],
    ],
    [
      'custom_data',
      (player: string) => ({
        player_uuid: player,
        entries: [
          {
            type: 'create_new_persistent_inventory',
            item_id: SWORD,
            quantity: 1,
            custom_data: { k: 'a\u0000b' },
          },
        ],
      }),
      ['body', 'entries', 0, 'custom_data', 'k'],
    ],
  ] as const)(
    'a NUL character in %s is a 422 at the field and stores nothing',
    async (_label, order, loc) => {
      const player = newPlayer();
      const response = await h.server('POST', '/v1/orders', order(player));
      expectValidation(response, [...loc]);
      await expectUntouched(player);
    },
  );

  it('GET /v1/orders/{id} with a NUL in the id is refused as a client error, not a 5xx', async () => {
    const response = await h.server('GET', '/v1/orders/%00abc');
    expectNoLeak(response);
    expect([404, 422]).toContain(response.status);
  });
});

describe('input PostgreSQL could not store', () => {
  it('a lone UTF-16 surrogate in custom_data is a 422 at the field and stores nothing', async () => {
    const player = newPlayer();
    const body = `{"player_uuid":"${player}","entries":[{"type":"create_new_persistent_inventory","item_id":${SWORD},"quantity":1,"custom_data":{"k":"\\ud83d"}}]}`;
    const response = await h.request('POST', '/v1/orders', { rawBody: body, headers: serverAuth });
    expectValidation(response, ['body', 'entries', 0, 'custom_data', 'k']);
    await expectUntouched(player);
  });

  it('a datetime past the year 9999 is a 422, so it can never poison a batch', async () => {
    const player = newPlayer();
    for (const expires of [1e12, '9999-12-31T23:00:00-14:00']) {
      expectValidation(await h.server('POST', '/v1/orders', createSword(player, expires)), [
        'body',
        'entries',
        0,
        'expires',
      ]);
    }
    await expectUntouched(player);
  });

  it('an unknown entry type of any length is accepted and answered invalid_entry_type', async () => {
    const player = newPlayer();
    const response = await h.submit({ player_uuid: player, entries: [{ type: 'x'.repeat(200) }] });
    expect(response.status).toBe(200);
    expect(response.body.entries[0].result).toBe('invalid_entry_type');
  });
});

interface RawAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * Sends raw bytes to the API on one connection, as a broken or hostile client would: each part once
 * the answer to the one before has arrived. Returns every answer, read until the server closes.
 */
async function rawExchange(...parts: string[]): Promise<RawAnswer[]> {
  const socket = net.connect(Number(new URL(h.baseUrl).port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  for (const [index, part] of parts.entries()) {
    socket.write(part);
    if (index < parts.length - 1) {
      const answered = received.length;
      await until(() => Promise.resolve(received.length > answered && received.endsWith('}')), 'an answer');
    }
  }
  await closed;
  return received
    .split(/(?=HTTP\/1\.1 )/)
    .filter(Boolean)
    .map((answer) => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      return {
        status: Number(head.split(' ')[1]),
        contentType: /content-type: ([^\r;]+)/i.exec(head)?.[1] ?? '',
        body: JSON.parse(body) as unknown,
      };
    });
}

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'bad_request'],
    [
      'oversized headers',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    [
      'an oversized URL',
      `GET /v1/orders/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ])('%s gets a JSON error body', async (_name, bytes, status, errorCode) => {
    expect(await rawExchange(bytes)).toEqual([
      { status, contentType: 'application/json', body: { error_code: errorCode, desc: expect.any(String) } },
    ]);
  });

  it('after a good request on a kept-alive connection, a bad one gets its own answer, after the first', async () => {
    const answers = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 'NOT HTTP AT ALL\r\n\r\n');
    expect(answers).toEqual([
      { status: 200, contentType: 'application/json', body: { status: 'ok' } },
      {
        status: 400,
        contentType: 'application/json',
        body: { error_code: 'bad_request', desc: expect.any(String) },
      },
    ]);
  });
});

describe('custom_data', () => {
  it('a "__proto__" key is a 422 at that key, never silently dropped after a 202', async () => {
    const player = newPlayer();
    const body = `{"player_uuid":"${player}","entries":[{"type":"create_new_persistent_inventory","item_id":${SWORD},"quantity":1,"custom_data":{"color":"red","__proto__":{"admin":"yes"}}}]}`;
    const response = await h.request('POST', '/v1/orders', { rawBody: body, headers: serverAuth });
    expectValidation(response, ['body', 'entries', 0, 'custom_data', '__proto__']);
    await expectUntouched(player);
  });

  it('every value is checked: a value that is not a string, or over 4,096 characters, is a 422 at it', async () => {
    const player = newPlayer();
    for (const [key, value] of [
      ['level', 3],
      ['nested', { a: 'b' }],
      ['long', 'x'.repeat(4097)],
    ] as const) {
      const order = {
        player_uuid: player,
        entries: [
          {
            type: 'create_new_persistent_inventory',
            item_id: SWORD,
            quantity: 1,
            custom_data: { [key]: value },
          },
        ],
      };
      expectValidation(await h.server('POST', '/v1/orders', order), [
        'body',
        'entries',
        0,
        'custom_data',
        key,
      ]);
    }
    await expectUntouched(player);
  });
});

describe('quantities that cannot mean anything', () => {
  it.each([0, -5])(
    'a create entry with quantity %i is a 422 at the quantity, and nothing is stored',
    async (quantity) => {
      const player = newPlayer();
      const order = {
        player_uuid: player,
        entries: [{ type: 'create_new_transient_inventory', item_id: SWORD, quantity }],
      };
      expectValidation(await h.server('POST', '/v1/orders', order), ['body', 'entries', 0, 'quantity']);
      await expectUntouched(player);
    },
  );

  it('an update to a negative count is a 422; to 0 it removes the record', async () => {
    const player = newPlayer();
    const created = await h.submit({
      player_uuid: player,
      entries: [{ type: 'create_new_persistent_inventory', item_id: SWORD, quantity: 2 }],
    });
    const record = created.body.entries[0].details[0].inv_change.after;
    const update = (quantity: number) => ({
      player_uuid: player,
      entries: [{ type: 'update_inventory', inventory_id: record.inventory_id, quantity }],
    });
    expectValidation(await h.server('POST', '/v1/orders', update(-1)), ['body', 'entries', 0, 'quantity']);
    expect(await h.balance(player, SWORD)).toBe(2);
    const removed = await h.submit(update(0));
    expect(removed.body.entries[0].result).toBe('success');
    expect(await h.balance(player, SWORD)).toBe(0);
  });

  it('a loot entry with quantity 0 is accepted and answered quantity_not_allowed, changing nothing', async () => {
    const player = newPlayer();
    const response = await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 0 }],
    });
    expect(response.status).toBe(200);
    expect(response.body.entries[0].result).toBe('quantity_not_allowed');
    expect(await h.balance(player, GEMS)).toBe(0);
  });
});

describe('what comes before validation', () => {
  it('an unauthenticated malformed body is a 401, not a 422', async () => {
    const response = await h.request('POST', '/v1/orders', { rawBody: '{bad' });
    expect(response.status).toBe(401);
    expect(response.body.auth_success).toBe(false);
  });

  it('a malformed body to an unknown route is a 404', async () => {
    const response = await h.request('POST', '/v1/nope', { rawBody: '{bad', headers: serverAuth });
    expectErrorBody(response, 404, 'not_found');
  });

  it('a JSON body without a Content-Type is read as JSON', async () => {
    const player = newPlayer();
    const response = await h.request('POST', '/v1/orders', {
      rawBody: JSON.stringify(createSword(player, undefined)),
      headers: { ...serverAuth, 'content-type': '' },
    });
    expect(response.status).toBe(202);
  });

  it('a date that is not on the calendar is a 422, not rolled over into the next month', async () => {
    const player = newPlayer();
    expectValidation(await h.server('POST', '/v1/orders', createSword(player, '2030-02-30T00:00:00Z')), [
      'body',
      'entries',
      0,
      'expires',
    ]);
    await expectUntouched(player);
  });

  it('an item_id filter beyond the integer range is a 422, not a 500', async () => {
    const response = await h.server('GET', `/v1/players/${newPlayer()}/inventory?item_id=99999999999`);
    expectValidation(response, ['query', 'item_id']);
  });

  it('entries that always take one show quantity 1', async () => {
    const response = await h.server('POST', '/v1/orders', {
      player_uuid: newPlayer(),
      entries: [{ type: 'promotion_code', external_tran_id: 'NO-SUCH-CODE' }],
    });
    expect(response.status).toBe(202);
    expect(response.body.entries[0].quantity).toBe(1);
  });
});
