import { describe, expect, it } from 'vitest';
import { expectDetailsMatch, inventoryChanges } from '../../helpers/details.js';
import {
  engineFor,
  expectRefused,
  expectSuccess,
  inSeconds,
  MAX_COUNT,
  NOW,
  type Engine,
  type EngineOptions,
  type Holding,
  type OrderInput,
} from '../../helpers/engine.js';
import {
  AMULET,
  BLOCKED,
  BOOST,
  BOOTS,
  CLIENT_OK,
  CROWN,
  CURSE,
  DUST,
  DUST_100,
  EXPIRING,
  FROM_NOW,
  HELM,
  HUGE,
  INACTIVE,
  KEY,
  lootCatalog,
  NO_LONGER,
  NOT_YET,
  PASS,
  PORTAL_ONLY,
  REQUIRES,
  RING,
  SUB,
  SUB_SUB,
  UNKNOWN_LOOT,
  UNTIL_NOW,
  WITH_DUST_SUB,
  WITH_INACTIVE_SUB,
  WITH_INACTIVE_SUB_SUB,
} from '../../fixtures/loot-catalog.js';

// An always-owned item shows in every inventory the API reads, so it and the loot that needs it are
// added here rather than to the shared catalog.
const EMBLEM = 1009; // always owned
const REQUIRES_ALWAYS_OWNED = 1110;
const CHECKS_ALWAYS_OWNED = 1116;
const CROWN_AND_EMBLEM = 1121;

const catalog: EngineOptions = {
  ...lootCatalog,
  items: [...lootCatalog.items, { id: EMBLEM, name: 'Emblem', always_owned: true }],
  loot: [
    ...lootCatalog.loot,
    {
      id: REQUIRES_ALWAYS_OWNED,
      name: 'Emblem exchange',
      required: [{ item_id: EMBLEM, quantity: 1, consume: true }],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: CHECKS_ALWAYS_OWNED,
      name: 'Emblem holders only',
      required: [{ item_id: EMBLEM, quantity: 1, consume: false }],
      contents: [{ item_id: HELM, quantity: 1 }],
    },
    {
      id: CROWN_AND_EMBLEM,
      name: 'Crown and emblem',
      contents: [
        { item_id: CROWN, quantity: 3 },
        { item_id: EMBLEM, quantity: 1 },
        { item_id: HELM, quantity: 1 },
      ],
    },
  ],
};

const engineWith = (holdings: Holding[] = []) => engineFor({ ...catalog, holdings });

const fill = (lootId: number, quantity = 1, order: Omit<OrderInput, 'entries'> = {}): OrderInput => ({
  ...order,
  entries: [{ type: 'fill_loot', loot_id: lootId, quantity }],
});

const counts = (engine: Engine, itemId: number) =>
  engine
    .records()
    .filter((record) => record.item_id === itemId)
    .map((record) => record.count);

describe('fill_loot refusals change nothing', () => {
  it('loot_not_found for a loot id the catalog does not have', () => {
    expectRefused(engineWith([{ item: HELM, count: 1 }]), fill(UNKNOWN_LOOT), 'loot_not_found');
  });

  it('loot_not_active for an inactive loot', () => {
    expectRefused(engineWith([{ item: HELM, count: 1 }]), fill(INACTIVE), 'loot_not_active');
  });

  it('loot_not_active before available_from and from available_until on', () => {
    const engine = engineWith([{ item: HELM, count: 1 }]);
    expectRefused(engine, fill(NOT_YET), 'loot_not_active');
    expectRefused(engine, fill(NO_LONGER), 'loot_not_active');
    // available_until is the first instant the loot is gone; available_from the first it is there
    expectRefused(engine, fill(UNTIL_NOW), 'loot_not_active');
    expectSuccess(engine, fill(FROM_NOW));
    expect(engine.balance(HELM)).toBe(2);
  });

  it('not_allowed_on_current_portal when the order portal differs or is absent; a listed portal fills', () => {
    const engine = engineWith();
    expectRefused(engine, fill(PORTAL_ONLY, 1, { portal_id: 8 }), 'not_allowed_on_current_portal');
    expectRefused(engine, fill(PORTAL_ONLY), 'not_allowed_on_current_portal');
    expectSuccess(engine, fill(PORTAL_ONLY, 1, { portal_id: 7 }));
    expect(engine.balance(HELM)).toBe(1);
  });

  it('loot_not_fillable_from_client for a CLIENT order of loot not fillable from the client; a fillable one fills', () => {
    const engine = engineWith();
    expectRefused(engine, fill(REQUIRES, 1, { source: 'CLIENT' }), 'loot_not_fillable_from_client');
    expectRefused(engine, fill(SUB, 1, { source: 'CLIENT' }), 'loot_not_fillable_from_client');
    expect(engine.records()).toEqual([]);

    expectSuccess(engine, fill(CLIENT_OK, 1, { source: 'CLIENT' }));
    // any other source may fill what a client may not
    expectSuccess(engine, fill(SUB, 1, { source: 'IN_GAME' }));
    expect(engine.balance(HELM)).toBe(1);
    expect(engine.balance(RING)).toBe(1);
  });

  it('quantity_not_allowed for 0, a negative quantity and more than max_quantity; max_quantity itself fills', () => {
    const engine = engineWith([
      { item: KEY, count: 20 },
      { item: PASS, count: 1 },
    ]);
    expectRefused(engine, fill(REQUIRES, 0), 'quantity_not_allowed');
    expectRefused(engine, fill(REQUIRES, -1), 'quantity_not_allowed');
    expectRefused(engine, fill(REQUIRES, 6), 'quantity_not_allowed');
    expect(engine.balance(KEY)).toBe(20);

    expectSuccess(engine, fill(REQUIRES, 5));
    expect(engine.balance(KEY)).toBe(10);
    expect(engine.balance(HELM)).toBe(10);
  });

  it('cannot_meet_loot_blocker while the player holds a blocker item; an expired blocker no longer blocks', () => {
    expectRefused(engineWith([{ item: CURSE, count: 1 }]), fill(BLOCKED), 'cannot_meet_loot_blocker');

    const expiredCurse = engineWith([{ item: CURSE, count: 1, expires: inSeconds(-1) }]);
    expectSuccess(expiredCurse, fill(BLOCKED));
    expect(expiredCurse.balance(HELM)).toBe(1);
  });

  it('cannot_meet_loot_required without a required item, or too few for the quantity', () => {
    expectRefused(engineWith([{ item: PASS, count: 1 }]), fill(REQUIRES), 'cannot_meet_loot_required');
    expectRefused(engineWith([{ item: KEY, count: 10 }]), fill(REQUIRES), 'cannot_meet_loot_required');
    // Two keys are consumed per chest: three keys are not enough for two chests.
    expectRefused(
      engineWith([
        { item: KEY, count: 3 },
        { item: PASS, count: 1 },
      ]),
      fill(REQUIRES, 2),
      'cannot_meet_loot_required',
    );
    // An expired key is not held.
    expectRefused(
      engineWith([
        { item: KEY, count: 2, expires: inSeconds(-1) },
        { item: PASS, count: 1 },
      ]),
      fill(REQUIRES),
      'cannot_meet_loot_required',
    );
  });

  it('a requirement only checked is needed once whatever the quantity', () => {
    const engine = engineWith([
      { item: KEY, count: 10 },
      { item: PASS, count: 1 },
    ]);
    expectSuccess(engine, fill(REQUIRES, 5));
    expect(engine.balance(PASS)).toBe(1);
    expect(engine.balance(KEY)).toBe(0);
  });

  it('failed_to_consume_loot_required when a consumed requirement is always owned (held but never stored)', () => {
    expectRefused(engineWith(), fill(REQUIRES_ALWAYS_OWNED), 'failed_to_consume_loot_required');
  });

  it('an always-owned requirement that is only checked counts as held, and is not touched', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, fill(CHECKS_ALWAYS_OWNED));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: CHECKS_ALWAYS_OWNED, item: HELM, before: null, after: 1 },
    ]);
  });

  it('failed_to_find_any_sub_loot when a sub-loot, at any depth, is inactive', () => {
    const engine = engineWith([{ item: HELM, count: 2 }]);
    expectRefused(engine, fill(WITH_INACTIVE_SUB), 'failed_to_find_any_sub_loot');
    expectRefused(engine, fill(WITH_INACTIVE_SUB_SUB), 'failed_to_find_any_sub_loot');
  });

  it('failed_to_fill_any_sub_loot when a sub-loot grant would push a count above 2,147,483,647; the loot’s own grant is undone', () => {
    const engine = engineWith([{ item: DUST, count: MAX_COUNT - 50 }]);
    expectRefused(engine, fill(WITH_DUST_SUB), 'failed_to_fill_any_sub_loot');
    expect(engine.balance(HELM)).toBe(0);
  });

  it('failed_to_modify_inventory when the loot’s own contents would overflow a count; exactly the maximum fills', () => {
    expectRefused(
      engineWith([{ item: DUST, count: MAX_COUNT - 99 }]),
      fill(DUST_100),
      'failed_to_modify_inventory',
    );

    const exact = engineWith([{ item: DUST, count: MAX_COUNT - 100 }]);
    expectSuccess(exact, fill(DUST_100));
    expect(exact.balance(DUST)).toBe(MAX_COUNT);
  });

  it('failed_to_modify_inventory when contents × quantity is above 2,147,483,647 on a fresh record', () => {
    expectRefused(engineWith(), fill(HUGE, 2), 'failed_to_modify_inventory');
  });

  it('failed_to_modify_inventory when a grant needs a record past the 3,500-record cap; an expired record does not count', () => {
    const rings = Array.from({ length: 3500 }, (): Holding => ({ item: RING, count: 1, bucket: 'steam' }));
    expectRefused(engineWith(rings), fill(DUST_100), 'failed_to_modify_inventory');

    // Adding to a record already held needs no new record.
    const full = engineWith([...rings.slice(1), { item: DUST, count: 1 }]);
    expectSuccess(full, fill(DUST_100));
    expect(full.balance(DUST)).toBe(101);

    const oneExpired = engineWith([...rings.slice(1), { item: HELM, count: 1, expires: inSeconds(-1) }]);
    expectSuccess(oneExpired, fill(DUST_100));
    expect(oneExpired.balance(DUST)).toBe(100);
  });
});

describe('fill_loot grants', () => {
  it('contents × quantity and sub-loot recursively, after spending consumed requirements; one detail per record', () => {
    const engine = engineWith([
      { item: KEY, count: 5 },
      { item: PASS, count: 1 },
      { item: HELM, count: 1 },
    ]);
    const before = engine.records();
    const entry = expectSuccess(engine, fill(REQUIRES, 2));
    const after = engine.records();

    // Keys: 2 per chest consumed; Pass only checked; Helm 2 per chest added to the held record;
    // Boots 1 per chest; Ring 1 per sub-loot (2 per chest); Amulet 1 per sub-sub-loot (3 per Ring).
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: REQUIRES, item: KEY, before: 5, after: 1 },
      { loot_id: REQUIRES, item: HELM, before: 1, after: 5 },
      { loot_id: REQUIRES, item: BOOTS, before: null, after: 2 },
      { loot_id: SUB, item: RING, before: null, after: 4 },
      { loot_id: SUB_SUB, item: AMULET, before: null, after: 12 },
    ]);
    expectDetailsMatch(entry, before, after);
    expect(entry.details.every((detail) => detail.type === 'inventory_change')).toBe(true);
    for (const { inv_change: change } of entry.details) {
      expect(change!.before_item_id).toBe(change!.before?.item_id ?? null);
      expect(change!.after_item_id).toBe(change!.after?.item_id ?? null);
    }

    expect(counts(engine, PASS)).toEqual([1]);
    for (const record of after) {
      expect(record).toMatchObject({ type: 'persistent', bucket: 'free', expires: null });
    }
    const created = after.filter((record) => !before.some((old) => old.inventory_id === record.inventory_id));
    expect(created).toEqual([
      expect.objectContaining({ item_id: BOOTS, count: 2, acquired: NOW.toISOString(), custom_data: {} }),
      expect.objectContaining({ item_id: RING, count: 4, acquired: NOW.toISOString(), custom_data: {} }),
      expect.objectContaining({ item_id: AMULET, count: 12, acquired: NOW.toISOString(), custom_data: {} }),
    ]);
    // New records take the player's next legacy inventory ids, in order.
    expect(created.map((record) => record.legacy_inventory_id)).toEqual([4, 5, 6]);
  });

  it('a consumed requirement that reaches zero removes its record (detail after null)', () => {
    const engine = engineWith([
      { item: KEY, count: 2 },
      { item: PASS, count: 1 },
    ]);
    const before = engine.records();
    const entry = expectSuccess(engine, fill(REQUIRES));
    expect(inventoryChanges(entry.details)[0]).toEqual({
      loot_id: REQUIRES,
      item: KEY,
      before: 2,
      after: null,
    });
    expectDetailsMatch(entry, before, engine.records());
    expect(counts(engine, KEY)).toEqual([]);
    expect(counts(engine, HELM)).toEqual([2]);
  });

  it('contents with expires_in_seconds make a separate record, expiring that long after now, each time', () => {
    const engine = engineWith([{ item: BOOST, count: 5 }]);
    const entry = expectSuccess(engine, fill(EXPIRING, 2));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: EXPIRING, item: BOOST, before: null, after: 6 },
      { loot_id: EXPIRING, item: HELM, before: null, after: 2 },
    ]);
    expectSuccess(engine, fill(EXPIRING, 1));
    expect(
      engine
        .records()
        .filter((record) => record.item_id === BOOST)
        .map((record) => [record.count, record.expires]),
    ).toEqual([
      [5, null],
      [6, inSeconds(3600)],
      [3, inSeconds(3600)],
    ]);
    expect(counts(engine, HELM)).toEqual([3]);
  });

  it('adds to an unexpired record of the same item, type and bucket without expiry; any other record is left alone', () => {
    const engine = engineWith([
      { item: HELM, count: 1, expires: inSeconds(60) },
      { item: HELM, count: 1, type: 'transient' },
      { item: HELM, count: 1, bucket: 'steam' },
      { item: HELM, count: 1, expires: inSeconds(-60) },
      { item: HELM, count: 1 },
    ]);
    const held = engine.records();
    const entry = expectSuccess(engine, fill(CLIENT_OK));
    expect(entry.details).toHaveLength(1);
    expect(entry.details[0]!.inv_change!.before).toEqual(held[4]);
    expect(engine.records()).toEqual([...held.slice(0, 4), { ...held[4], count: 2 }]);
  });

  it('use_inventory_bucket picks the bucket for a server source; without it the order source decides, else free', () => {
    const bucketOf = (order: Omit<OrderInput, 'entries'>, requested?: 'psn') => {
      const engine = engineWith();
      expectSuccess(engine, {
        ...order,
        entries: [{ type: 'fill_loot', loot_id: CLIENT_OK, quantity: 1, use_inventory_bucket: requested }],
      });
      return engine.records().map((record) => record.bucket);
    };
    expect(bucketOf({}, 'psn')).toEqual(['psn']);
    expect(bucketOf({ source: 'STEAM' }, 'psn')).toEqual(['psn']);
    expect(bucketOf({ source: 'STEAM' })).toEqual(['steam']);
    expect(bucketOf({ source: 'XBOX' })).toEqual(['xbox_live']);
    expect(bucketOf({ source: 'IN_GAME' })).toEqual(['free']);
    expect(bucketOf({})).toEqual(['free']);
    // a player client never picks a platform bucket
    expect(bucketOf({ source: 'CLIENT' }, 'psn')).toEqual(['free']);
  });

  it('a unique item is granted once, count 1; an always-owned item is never stored; neither is a failure', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, fill(CROWN_AND_EMBLEM, 2));
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: CROWN_AND_EMBLEM, item: CROWN, before: null, after: 1 },
      { loot_id: CROWN_AND_EMBLEM, item: HELM, before: null, after: 2 },
    ]);
    const again = expectSuccess(engine, fill(CROWN_AND_EMBLEM));
    expect(inventoryChanges(again.details)).toEqual([
      { loot_id: CROWN_AND_EMBLEM, item: HELM, before: 2, after: 3 },
    ]);
    expect(counts(engine, CROWN)).toEqual([1]);
    expect(counts(engine, EMBLEM)).toEqual([]);
  });
});
