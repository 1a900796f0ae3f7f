import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BADGE,
  baseCatalog,
  GEM_GRANT,
  GEMS,
  grantGems,
  STORE,
  SWORD,
  SWORD_PACK,
} from '../helpers/catalog-fixture.js';
import { catalogDefaults } from '../fixtures/catalog-defaults.js';
import {
  ADMIN_KEY,
  newPlayer,
  SERVER_KEY,
  startHarness,
  type Harness,
  type TestResponse,
} from '../helpers/harness.js';
import { expectAuthError, expectNoLeak, expectValidation } from '../helpers/responses.js';

/**
 * Contract sections 2 (callers and authentication) and 4 (the admin catalog). Catalog ids used here
 * are 1000+ so they never clash with the shared fixture; each test uses its own range.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: baseCatalog });
});
afterAll(() => h.close());

interface CatalogDoc {
  items: { id: number }[];
  vendors: { id: number; name: string; version: number; etag: string }[];
  loot: { id: number }[];
  promotions: { code: string }[];
}

async function getCatalog(): Promise<CatalogDoc> {
  const response = await h.admin('GET', '/v1/admin/catalog');
  expect(response.status).toBe(200);
  return response.body as CatalogDoc;
}

/** The catalog with every list in id (or code) order, so two reads compare by content. */
function canonical(doc: CatalogDoc): CatalogDoc {
  return {
    items: [...doc.items].sort((a, b) => a.id - b.id),
    vendors: [...doc.vendors].sort((a, b) => a.id - b.id),
    loot: [...doc.loot].sort((a, b) => a.id - b.id),
    promotions: [...doc.promotions].sort((a, b) => a.code.localeCompare(b.code)),
  };
}

const vendorOf = (doc: CatalogDoc, id: number) => doc.vendors.find((vendor) => vendor.id === id);
const lootOf = (doc: CatalogDoc, id: number) =>
  doc.loot.find((loot) => loot.id === id) as Record<string, unknown>;
const itemOf = (doc: CatalogDoc, id: number) =>
  doc.items.find((item) => item.id === id) as Record<string, unknown>;

const ordersOf = (player: string) => h.orderCount(player);

/**
 * A refused catalog write: 422 with the expected loc, and the stored catalog exactly as before.
 */
async function expectCatalogRefused(update: unknown, loc: (string | number)[]): Promise<TestResponse> {
  const before = await getCatalog();
  const response = await h.admin('PUT', '/v1/admin/catalog', update);
  expectValidation(response, loc);
  expect(await getCatalog()).toEqual(before);
  return response;
}

/** The revision workers watch to reload their cached catalog: it moves only when something changed. */
const catalogRevision = async () =>
  (await h.sql<{ revision: number }>('select revision from catalog_revision where id = 1'))[0]!.revision;

const put = async (doc: Record<string, unknown>): Promise<CatalogDoc> => {
  const response = await h.putCatalog(doc);
  expectNoLeak(response);
  expect(response.status).toBe(200);
  return response.body as CatalogDoc;
};

describe('authentication', () => {
  const refusedCredentials: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['a wrong bearer key', { authorization: 'Bearer not-the-key' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['the server key in another scheme', { authorization: `Basic ${SERVER_KEY}` }],
    ['the server key with a suffix', { authorization: `Bearer ${SERVER_KEY}x` }],
  ];

  it.each(refusedCredentials)(
    '%s on POST /v1/orders is a 401 and stores nothing',
    async (_label, headers) => {
      const player = newPlayer();
      const response = await h.request('POST', '/v1/orders', { body: grantGems(player), headers });
      expectAuthError(response, 401);
      expect(await ordersOf(player)).toBe(0);
      expect(await h.balance(player, GEMS)).toBe(0);
    },
  );

  it.each(refusedCredentials)('%s on the player and catalog reads is a 401', async (_label, headers) => {
    const player = newPlayer();
    for (const path of [
      `/v1/players/${player}/inventory`,
      `/v1/players/${player}/orders`,
      '/v1/orders/some-order',
      '/v1/admin/catalog',
    ]) {
      expectAuthError(await h.request('GET', path, { headers }), 401);
    }
  });

  it.each(refusedCredentials)(
    '%s on PUT /v1/admin/catalog is a 401 and changes nothing',
    async (_label, headers) => {
      const before = await getCatalog();
      const response = await h.request('PUT', '/v1/admin/catalog', {
        body: {
          items: [
            { id: GEMS, name: 'Stolen gems' },
            { id: 1001, name: 'Injected' },
          ],
        },
        headers,
      });
      expectAuthError(response, 401);
      expect(await getCatalog()).toEqual(before);
    },
  );

  it('the server key on GET /v1/admin/catalog is a 403 with auth_success true', async () => {
    expectAuthError(await h.server('GET', '/v1/admin/catalog'), 403);
  });

  it('the server key on PUT /v1/admin/catalog is a 403 and GET catalog is as it was', async () => {
    const before = await getCatalog();
    const response = await h.server('PUT', '/v1/admin/catalog', {
      items: [{ id: GEMS, name: 'Cheap gems' }],
      loot: [
        {
          id: SWORD_PACK,
          name: 'Free swords',
          vendor_id: STORE,
          contents: [{ item_id: SWORD, quantity: 99 }],
        },
      ],
    });
    expectAuthError(response, 403);
    expect(await getCatalog()).toEqual(before);
  });

  it('the server key works on /v1/orders and /v1/players/...', async () => {
    const player = newPlayer();
    const submitted = await h.server('POST', '/v1/orders', grantGems(player), { prefer: 'wait=20' });
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('succeeded');
    expect((await h.server('GET', `/v1/orders/${submitted.body.order_id}`)).status).toBe(200);
    const orders = await h.server('GET', `/v1/players/${player}/orders`);
    expect(orders.status).toBe(200);
    expect(orders.body.orders).toHaveLength(1);
    expect(await h.balance(player, GEMS)).toBe(100);
  });

  it('the admin key works on /v1/orders and /v1/players/...', async () => {
    const player = newPlayer();
    const submitted = await h.admin('POST', '/v1/orders', grantGems(player, 2), { prefer: 'wait=20' });
    expectNoLeak(submitted);
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('succeeded');

    const order = await h.admin('GET', `/v1/orders/${submitted.body.order_id}`);
    expect(order.status).toBe(200);
    expect(order.body.order_id).toBe(submitted.body.order_id);

    const inventory = await h.admin('GET', `/v1/players/${player}/inventory?item_id=${GEMS}`);
    expect(inventory.status).toBe(200);
    expect(inventory.body.inventory.map((record: { count: number }) => record.count)).toEqual([200]);

    const orders = await h.admin('GET', `/v1/players/${player}/orders`);
    expect(orders.status).toBe(200);
    expect(orders.body.orders.map((listed: { order_id: string }) => listed.order_id)).toEqual([
      submitted.body.order_id,
    ]);
  });

  it('the bearer scheme is case-insensitive and the admin key is accepted on the catalog', async () => {
    const response = await h.request('GET', '/v1/admin/catalog', {
      headers: { authorization: `bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(await getCatalog());
  });
});

describe('catalog reads and writes', () => {
  it('PUT returns the stored catalog and GET returns the same', async () => {
    const returned = await put({
      items: [{ id: 1001, name: 'Ruby' }],
      vendors: [{ id: 1001, name: 'Ruby shop' }],
      loot: [
        {
          id: 1001,
          name: 'Ruby pack',
          vendor_id: 1001,
          prices: [{ price_item_id: GEMS, price: 5 }],
          contents: [{ item_id: 1001, quantity: 3 }],
        },
      ],
      promotions: [{ code: 'RUBY', loot_id: 1001, expires_at: '2030-01-01T00:00:00Z' }],
    });
    const stored = await getCatalog();
    expect(canonical(returned)).toEqual(canonical(stored));
    expect(itemOf(stored, 1001)).toMatchObject({ id: 1001, name: 'Ruby' });
    expect(lootOf(stored, 1001)).toMatchObject({
      id: 1001,
      vendor_id: 1001,
      prices: [{ price_item_id: GEMS, price: 5 }],
    });
    expect(stored.promotions.find((promotion) => promotion.code === 'RUBY')).toMatchObject({
      loot_id: 1001,
      expires_at: '2030-01-01T00:00:00.000Z',
    });
    // The fixture written in beforeAll is still there.
    expect(itemOf(stored, BADGE)).toMatchObject({ always_owned: true });
    expect(lootOf(stored, SWORD_PACK)).toMatchObject({ vendor_id: STORE });
  });

  it('a PUT with no lists, or no body at all, is a 422 and changes nothing', async () => {
    const before = await getCatalog();
    const revision = await catalogRevision();
    const empty = await h.admin('PUT', '/v1/admin/catalog', {});
    expectValidation(empty, ['body']);
    const noBody = await h.request('PUT', '/v1/admin/catalog', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expectValidation(noBody, ['body']);
    expect(await getCatalog()).toEqual(before);
    expect(await catalogRevision()).toBe(revision);
  });

  it('upserts by id: named entries are replaced, unnamed ones left as they were', async () => {
    await put({
      items: [
        { id: 1101, name: 'Copper' },
        { id: 1102, name: 'Tin', unique: true },
      ],
      loot: [
        { id: 1101, name: 'Copper pack', contents: [{ item_id: 1101, quantity: 1 }] },
        { id: 1102, name: 'Tin pack', contents: [{ item_id: 1102, quantity: 1 }] },
      ],
    });
    const before = await getCatalog();

    await put({
      items: [{ id: 1101, name: 'Bronze', active: false }],
      loot: [{ id: 1101, name: 'Bronze pack', contents: [{ item_id: 1101, quantity: 7 }] }],
    });
    const after = await getCatalog();
    expect(itemOf(after, 1101)).toMatchObject({ name: 'Bronze', active: false });
    expect(lootOf(after, 1101)).toMatchObject({
      name: 'Bronze pack',
      contents: [{ item_id: 1101, quantity: 7 }],
    });
    expect(itemOf(after, 1102)).toEqual(itemOf(before, 1102));
    expect(lootOf(after, 1102)).toEqual(lootOf(before, 1102));
    expect(after.items).toHaveLength(before.items.length);
    expect(after.loot).toHaveLength(before.loot.length);
    // Everything that was not named is exactly as it was.
    const untouched = (doc: CatalogDoc) => ({
      items: doc.items.filter((item) => item.id !== 1101),
      loot: doc.loot.filter((loot) => loot.id !== 1101),
      vendors: doc.vendors,
      promotions: doc.promotions,
    });
    expect(untouched(canonical(after))).toEqual(untouched(canonical(before)));
  });

  it('fills in the documented defaults', async () => {
    const returned = await put({
      items: [
        { id: 1201, name: 'Plain' },
        { id: 1202, name: 'Coupon', coupon: { discount_percent: 10 } },
      ],
      vendors: [{ id: 1201, name: 'Plain shop' }],
      loot: [
        {
          id: 1201,
          name: 'Plain loot',
          contents: [{ item_id: 1201, quantity: 1 }],
          required: [{ item_id: 1201, quantity: 1 }],
        },
      ],
      promotions: [{ code: 'PLAIN', loot_id: 1201 }],
    });
    const stored = await getCatalog();
    for (const doc of [returned, stored]) {
      expect(itemOf(doc, 1201)).toEqual({ id: 1201, name: 'Plain', ...catalogDefaults.item });
      expect(itemOf(doc, 1202)).toMatchObject({
        coupon: { discount_percent: 10, ...catalogDefaults.coupon },
      });
      expect(vendorOf(doc, 1201)).toMatchObject({ id: 1201, name: 'Plain shop', version: 1 });
      expect(typeof vendorOf(doc, 1201)!.etag).toBe('string');
      expect(vendorOf(doc, 1201)!.etag.length).toBeGreaterThan(0);
      expect(lootOf(doc, 1201)).toEqual({
        id: 1201,
        name: 'Plain loot',
        ...catalogDefaults.loot,
        contents: [{ item_id: 1201, quantity: 1, ...catalogDefaults.content }],
        required: [{ item_id: 1201, quantity: 1, consume: false }],
      });
      expect(doc.promotions.find((promotion) => promotion.code === 'PLAIN')).toEqual({
        code: 'PLAIN',
        loot_id: 1201,
        ...catalogDefaults.promotion,
      });
    }
  });

  it('a catalog read written back unchanged is accepted and changes nothing, not even the revision', async () => {
    const before = await getCatalog();
    const revision = await catalogRevision();
    const returned = await put(before as unknown as Record<string, unknown>);
    expect(canonical(returned)).toEqual(canonical(before));
    expect(await getCatalog()).toEqual(before);
    expect(await catalogRevision()).toBe(revision);
    // An empty list names nothing to change either.
    await put({ items: [] });
    expect(await catalogRevision()).toBe(revision);
  });

  it('the catalog written takes effect on orders', async () => {
    await put({
      items: [{ id: 1301, name: 'Emerald' }],
      loot: [{ id: 1301, name: 'Emerald pack', contents: [{ item_id: 1301, quantity: 4 }] }],
    });
    const player = newPlayer();
    const response = await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: 1301, quantity: 2 }],
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('succeeded');
    expect(await h.balance(player, 1301)).toBe(8);
  });
});

describe('catalog validation', () => {
  it.each([
    ['at the top level', { itemz: [{ id: 1401, name: 'Typo' }] }, ['body'], 'itemz'],
    ['in an item', { items: [{ id: 1401, nmae: 'Typo', name: 'x' }] }, ['body', 'items', 0], 'nmae'],
    [
      'in a coupon',
      { items: [{ id: 1401, name: 'x', coupon: { discount_percent: 5, percent: 5 } }] },
      ['body', 'items', 0, 'coupon'],
      'percent',
    ],
    ['in a vendor', { vendors: [{ id: 1401, name: 'x', colour: 'red' }] }, ['body', 'vendors', 0], 'colour'],
    ['in a loot', { loot: [{ id: 1401, name: 'x', price: 5 }] }, ['body', 'loot', 0], 'price'],
    [
      'in a loot price',
      { loot: [{ id: 1401, name: 'x', prices: [{ price_item_id: GEMS, price: 5, currency: 'EUR' }] }] },
      ['body', 'loot', 0, 'prices', 0],
      'currency',
    ],
    [
      'in loot contents',
      { loot: [{ id: 1401, name: 'x', contents: [{ item_id: GEMS, quantity: 1, qty: 9 }] }] },
      ['body', 'loot', 0, 'contents', 0],
      'qty',
    ],
    [
      'in a sub_loot',
      { loot: [{ id: 1401, name: 'x', sub_loot: [{ loot_id: GEM_GRANT, quantity: 1, weight: 3 }] }] },
      ['body', 'loot', 0, 'sub_loot', 0],
      'weight',
    ],
    [
      'in a promotion',
      { promotions: [{ code: 'TYPO', loot_id: GEM_GRANT, max_use: 1 }] },
      ['body', 'promotions', 0],
      'max_use',
    ],
  ] as const)(
    'an unknown field %s is a 422 naming it and nothing is stored',
    async (_label, update, at, key) => {
      const before = await getCatalog();
      const response = await h.admin('PUT', '/v1/admin/catalog', update);
      expectNoLeak(response);
      expect(response.status).toBe(422);
      const detail = response.body.detail as { loc: (string | number)[]; msg: string }[];
      // The Player Order API points at the field itself; pointing at the object holding it, with the field named
      // in the message, is accepted too.
      const matching = detail.filter(
        (item) =>
          JSON.stringify(item.loc) === JSON.stringify([...at, key]) ||
          (JSON.stringify(item.loc) === JSON.stringify(at) && item.msg.includes(key)),
      );
      expect(matching).toHaveLength(1);
      expect(await getCatalog()).toEqual(before);
    },
  );

  it('an unknown item in loot contents is a 422 at its loc and nothing is stored', async () => {
    await expectCatalogRefused(
      { loot: [{ id: 1501, name: 'Ghost pack', contents: [{ item_id: 999_999, quantity: 1 }] }] },
      ['body', 'loot', 0, 'contents', 0, 'item_id'],
    );
  });

  it('an unknown vendor_id is a 422 at its loc and nothing is stored', async () => {
    await expectCatalogRefused({ loot: [{ id: 1502, name: 'Orphan pack', vendor_id: 999_999 }] }, [
      'body',
      'loot',
      0,
      'vendor_id',
    ]);
  });

  it('an unknown sub_loot loot is a 422 at its loc and nothing is stored', async () => {
    await expectCatalogRefused(
      { loot: [{ id: 1503, name: 'Nested', sub_loot: [{ loot_id: 999_999, quantity: 1 }] }] },
      ['body', 'loot', 0, 'sub_loot', 0, 'loot_id'],
    );
  });

  it('an unknown promotion loot_id is a 422 at its loc and nothing is stored', async () => {
    await expectCatalogRefused({ promotions: [{ code: 'GHOST', loot_id: 999_999 }] }, [
      'body',
      'promotions',
      0,
      'loot_id',
    ]);
  });

  it('unknown price, blocker and required items are 422s at their locs', async () => {
    const response = await expectCatalogRefused(
      {
        loot: [
          {
            id: 1504,
            name: 'Many ghosts',
            prices: [{ price_item_id: 999_991, price: 1 }],
            blockers: [999_992],
            required: [{ item_id: 999_993, quantity: 1 }],
          },
        ],
      },
      ['body', 'loot', 0, 'prices', 0, 'price_item_id'],
    );
    expectValidation(response, ['body', 'loot', 0, 'blockers', 0]);
    expectValidation(response, ['body', 'loot', 0, 'required', 0, 'item_id']);
  });

  it('one bad reference refuses the whole document: its valid parts are not stored either', async () => {
    await expectCatalogRefused(
      {
        items: [{ id: 1505, name: 'Would be fine' }],
        vendors: [{ id: 1505, name: 'Would be fine too' }],
        loot: [
          { id: 1505, name: 'Fine', vendor_id: 1505, contents: [{ item_id: 1505, quantity: 1 }] },
          { id: 1506, name: 'Broken', contents: [{ item_id: 999_999, quantity: 1 }] },
        ],
      },
      ['body', 'loot', 1, 'contents', 0, 'item_id'],
    );
    const stored = await getCatalog();
    expect(itemOf(stored, 1505)).toBeUndefined();
    expect(vendorOf(stored, 1505)).toBeUndefined();
    expect(lootOf(stored, 1505)).toBeUndefined();
  });

  it('ids defined in the same document may be referenced', async () => {
    const returned = await put({
      items: [{ id: 1507, name: 'New gem' }],
      vendors: [{ id: 1507, name: 'New shop' }],
      loot: [
        { id: 1508, name: 'Inner', contents: [{ item_id: 1507, quantity: 1 }] },
        { id: 1507, name: 'Outer', vendor_id: 1507, sub_loot: [{ loot_id: 1508, quantity: 2 }] },
      ],
      promotions: [{ code: 'NEWGEM', loot_id: 1507 }],
    });
    expect(lootOf(returned, 1507)).toMatchObject({
      vendor_id: 1507,
      sub_loot: [{ loot_id: 1508, quantity: 2 }],
    });
    expect(lootOf(await getCatalog(), 1507)).toEqual(lootOf(returned, 1507));
  });

  it('a negative price is a 422 at the price and nothing is stored', async () => {
    await expectCatalogRefused(
      { loot: [{ id: 1509, name: 'Pays you', prices: [{ price_item_id: GEMS, price: -1 }] }] },
      ['body', 'loot', 0, 'prices', 0, 'price'],
    );
  });

  it('a negative price on an existing loot is refused and the old price stays', async () => {
    await expectCatalogRefused(
      {
        loot: [
          {
            id: SWORD_PACK,
            name: 'Sword pack',
            vendor_id: STORE,
            prices: [{ price_item_id: GEMS, price: -50 }],
            contents: [{ item_id: SWORD, quantity: 1 }],
          },
        ],
      },
      ['body', 'loot', 0, 'prices', 0, 'price'],
    );
    expect(lootOf(await getCatalog(), SWORD_PACK)).toMatchObject({
      prices: [{ price_item_id: GEMS, price: 50 }],
    });
  });

  it('a loot containing itself directly through sub_loot is a 422 and nothing is stored', async () => {
    const response = await expectCatalogRefused(
      { loot: [{ id: 1601, name: 'Ouroboros', sub_loot: [{ loot_id: 1601, quantity: 1 }] }] },
      ['body', 'loot', 0, 'sub_loot'],
    );
    expect(response.body.detail.length).toBeGreaterThan(0);
    expect(lootOf(await getCatalog(), 1601)).toBeUndefined();
  });

  it('two loot containing each other in one document is a 422 and nothing is stored', async () => {
    await expectCatalogRefused(
      {
        loot: [
          { id: 1611, name: 'Ping', sub_loot: [{ loot_id: 1612, quantity: 1 }] },
          { id: 1612, name: 'Pong', sub_loot: [{ loot_id: 1611, quantity: 1 }] },
        ],
      },
      ['body', 'loot', 0, 'sub_loot'],
    );
    const stored = await getCatalog();
    expect(lootOf(stored, 1611)).toBeUndefined();
    expect(lootOf(stored, 1612)).toBeUndefined();
  });

  it('closing a cycle through a second, stored loot is a 422 and the stored loot stays as it was', async () => {
    await put({
      loot: [
        { id: 1621, name: 'A', contents: [{ item_id: GEMS, quantity: 1 }] },
        { id: 1622, name: 'B', sub_loot: [{ loot_id: 1621, quantity: 1 }] },
        { id: 1623, name: 'C', sub_loot: [{ loot_id: 1622, quantity: 1 }] },
      ],
    });
    const before = lootOf(await getCatalog(), 1621);
    // A -> C -> B -> A
    await expectCatalogRefused(
      { loot: [{ id: 1621, name: 'A', sub_loot: [{ loot_id: 1623, quantity: 1 }] }] },
      ['body', 'loot', 0, 'sub_loot'],
    );
    expect(lootOf(await getCatalog(), 1621)).toEqual(before);
  });

  it('a naive datetime in the catalog is a 422 and nothing is stored', async () => {
    await expectCatalogRefused(
      { loot: [{ id: 1631, name: 'Timed', available_until: '2030-01-01T00:00:00' }] },
      ['body', 'loot', 0, 'available_until'],
    );
  });
});

describe('vendor version and etag', () => {
  it('starts at 1, moves when the vendor or its loot changes, and not for unrelated loot', async () => {
    const created = await put({
      vendors: [
        { id: 1701, name: 'Armorer' },
        { id: 1702, name: 'Baker' },
      ],
    });
    const v1 = vendorOf(created, 1701)!;
    expect(v1.version).toBe(1);
    expect(typeof v1.etag).toBe('string');
    expect(v1.etag.length).toBeGreaterThan(0);
    expect(vendorOf(await getCatalog(), 1701)).toEqual(v1);
    const baker1 = vendorOf(created, 1702)!;
    expect(baker1.version).toBe(1);

    // A loot added to the vendor changes it.
    const withLoot = await put({
      loot: [{ id: 1701, name: 'Helm', vendor_id: 1701, prices: [{ price_item_id: GEMS, price: 10 }] }],
    });
    const v2 = vendorOf(withLoot, 1701)!;
    expect(v2.version).toBe(2);
    expect(v2.etag).not.toBe(v1.etag);
    expect(vendorOf(await getCatalog(), 1701)).toEqual(v2);
    expect(vendorOf(withLoot, 1702)).toEqual(baker1);

    // An unrelated loot (no vendor, and another vendor's) changes nothing here.
    await put({ loot: [{ id: 1702, name: 'Loose loot', contents: [{ item_id: GEMS, quantity: 1 }] }] });
    const afterBread = await put({ loot: [{ id: 1703, name: 'Bread', vendor_id: 1702 }] });
    expect(vendorOf(afterBread, 1701)).toEqual(v2);
    expect(vendorOf(await getCatalog(), 1701)).toEqual(v2);
    expect(vendorOf(afterBread, 1702)!.version).toBe(2);
    expect(vendorOf(afterBread, 1702)!.etag).not.toBe(baker1.etag);

    // The vendor's loot changing its price changes it again.
    const repriced = await put({
      loot: [{ id: 1701, name: 'Helm', vendor_id: 1701, prices: [{ price_item_id: GEMS, price: 12 }] }],
    });
    const v3 = vendorOf(repriced, 1701)!;
    expect(v3.version).toBe(3);
    expect(v3.etag).not.toBe(v2.etag);
    expect(v3.etag).not.toBe(v1.etag);

    // The vendor itself renamed changes it.
    const renamed = await put({ vendors: [{ id: 1701, name: 'Master armorer' }] });
    const v4 = vendorOf(renamed, 1701)!;
    expect(v4.version).toBe(4);
    expect(v4.etag).not.toBe(v3.etag);
    expect(vendorOf(await getCatalog(), 1701)).toEqual(v4);
  });

  it('a loot moved from one vendor to another changes both', async () => {
    await put({
      vendors: [
        { id: 1711, name: 'Left' },
        { id: 1712, name: 'Right' },
      ],
      loot: [{ id: 1711, name: 'Traveller', vendor_id: 1711 }],
    });
    const before = await getCatalog();
    const moved = await put({ loot: [{ id: 1711, name: 'Traveller', vendor_id: 1712 }] });
    expect(vendorOf(moved, 1711)!.version).toBe(vendorOf(before, 1711)!.version + 1);
    expect(vendorOf(moved, 1712)!.version).toBe(vendorOf(before, 1712)!.version + 1);
    expect(vendorOf(moved, 1711)!.etag).not.toBe(vendorOf(before, 1711)!.etag);
    expect(vendorOf(moved, 1712)!.etag).not.toBe(vendorOf(before, 1712)!.etag);
  });

  it('a PUT of an identical document does not bump the version or etag', async () => {
    const doc = {
      vendors: [{ id: 1721, name: 'Steady' }],
      loot: [
        {
          id: 1721,
          name: 'Steady pack',
          vendor_id: 1721,
          prices: [{ price_item_id: GEMS, price: 30 }],
          contents: [{ item_id: SWORD, quantity: 1 }],
        },
      ],
    };
    const first = await put(doc);
    const again = await put(doc);
    expect(vendorOf(again, 1721)).toEqual(vendorOf(first, 1721));
    expect(vendorOf(again, 1721)!.version).toBe(1); // created together with its loot
    // The same loot written with its defaults spelled out is the same loot.
    const stored = await getCatalog();
    const explicit = await put({ vendors: [vendorOf(stored, 1721)], loot: [lootOf(stored, 1721)] });
    expect(vendorOf(explicit, 1721)).toEqual(vendorOf(first, 1721));
    expect(vendorOf(await getCatalog(), 1721)).toEqual(vendorOf(first, 1721));
  });

  it('a refused PUT does not bump the version', async () => {
    await put({
      vendors: [{ id: 1731, name: 'Careful' }],
      loot: [{ id: 1731, name: 'Careful pack', vendor_id: 1731 }],
    });
    const before = vendorOf(await getCatalog(), 1731);
    await expectCatalogRefused(
      {
        loot: [
          { id: 1731, name: 'Careful pack', vendor_id: 1731, prices: [{ price_item_id: GEMS, price: -5 }] },
        ],
      },
      ['body', 'loot', 0, 'prices', 0, 'price'],
    );
    expect(vendorOf(await getCatalog(), 1731)).toEqual(before);
  });
});

describe('catalog documents that say two things about one id', () => {
  it('a repeated item id, loot id or promotion code is a 422 at the repeat, nothing stored', async () => {
    const before = await h.admin('GET', '/v1/admin/catalog');
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [
        {
          items: [
            { id: 7001, name: 'a' },
            { id: 7001, name: 'b' },
          ],
        },
        ['body', 'items', 1, 'id'],
      ],
      [
        {
          loot: [
            { id: 7002, name: 'a' },
            { id: 7002, name: 'b' },
          ],
        },
        ['body', 'loot', 1, 'id'],
      ],
      [
        {
          promotions: [
            { code: 'TWICE', loot_id: 100 },
            { code: 'TWICE', loot_id: 200 },
          ],
        },
        ['body', 'promotions', 1, 'code'],
      ],
    ];
    for (const [document, loc] of cases) {
      const response = await h.admin('PUT', '/v1/admin/catalog', document);
      expect(response.status).toBe(422);
      expect(response.body.detail.map((item: { loc: unknown }) => item.loc)).toContainEqual(loc);
    }
    expect((await h.admin('GET', '/v1/admin/catalog')).body).toEqual(before.body);
  });
});
