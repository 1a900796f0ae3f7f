import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { orderCreateSchema, queuedOrderOf, requestHash } from '../../src/domain/order.js';

/** What a PlayerOrderCreate may hold, its fingerprint, and the order it is queued as. */

const PLAYER = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
type OrderInput = z.input<typeof orderCreateSchema>;

const order = (entries: OrderInput['entries'], fields: Partial<OrderInput> = {}): OrderInput => ({
  player_uuid: PLAYER,
  ...fields,
  entries,
});

/** The paths and messages of the issues an order raises, or [] when it is valid. */
const issuesOf = (input: unknown) =>
  (orderCreateSchema.safeParse(input).error?.issues ?? []).map((issue) => [issue.path, issue.message]);

describe('orderCreateSchema', () => {
  it.each([
    ['fill_loot', ['loot_id', 'quantity']],
    ['purchase_loot', ['loot_id', 'quantity', 'purchase_price']],
    ['purchase_dynamic_bundle', ['loot_id', 'purchase_price', 'dynamic_bundle_loot_ids']],
    ['promotion_code', ['external_tran_id']],
    ['fill_loot_single_transient', ['loot_id', 'quantity']],
    ['fill_entitled_loot', ['external_item_sku', 'external_tran_id']],
    ['create_new_persistent_inventory', ['item_id', 'quantity']],
    ['create_new_transient_inventory', ['item_id', 'quantity']],
    ['update_existing_persistent_inventory', ['inventory_id']],
    ['update_existing_transient_inventory', ['inventory_id']],
    ['update_inventory', ['inventory_id']],
  ])('%s cannot be processed without %j', (type, fields) => {
    const issues = issuesOf(order([{ type }]));
    expect(issues.map(([path]) => path)).toEqual(fields.map((field) => ['entries', 0, field]));
    for (const [, message] of issues) expect(message).toContain(type);
  });

  it('an update names its record by inventory_id or legacy_inventory_id, either one', () => {
    expect(issuesOf(order([{ type: 'update_inventory', legacy_inventory_id: 4 }]))).toEqual([]);
    expect(
      issuesOf(order([{ type: 'update_inventory', inventory_id: '6f9619ff-8b86-d011-b42d-00c04fc964ff' }])),
    ).toEqual([]);
  });

  it('accepts an entry type it does not know, requiring nothing of it: the engine answers invalid_entry_type', () => {
    expect(issuesOf(order([{ type: 'transmute_loot' }]))).toEqual([]);
    expect(issuesOf(order([{ type: '' }]))).toEqual([]);
  });

  it('drops fields it does not know, in the order and in its entries', () => {
    const parsed = orderCreateSchema.parse({
      player_uuid: PLAYER,
      entries: [{ type: 'fill_loot', loot_id: 1, quantity: 1, colour: 'red' }],
      platform_extra: { nested: true },
    });
    expect(parsed).not.toHaveProperty('platform_extra');
    expect(parsed.entries[0]).not.toHaveProperty('colour');
  });

  it('a created record needs a quantity of at least 1 and an update at least 0; loot entries take any integer', () => {
    const quantityIssues = (type: string, quantity: number) =>
      issuesOf(order([{ type, quantity, item_id: 1, loot_id: 1, legacy_inventory_id: 1 }]));
    expect(quantityIssues('create_new_persistent_inventory', 0)).toEqual([
      [['entries', 0, 'quantity'], 'must be at least 1 for create_new_persistent_inventory'],
    ]);
    expect(quantityIssues('create_new_transient_inventory', 1)).toEqual([]);
    expect(quantityIssues('update_inventory', -1)).toEqual([
      [['entries', 0, 'quantity'], 'must be at least 0 for update_inventory'],
    ]);
    expect(quantityIssues('update_existing_transient_inventory', 0)).toEqual([]);
    // a loot entry answers quantity_not_allowed itself
    expect(quantityIssues('fill_loot', -5)).toEqual([]);
  });

  it('refuses an entry_id used twice in one order', () => {
    const entry = { type: 'fill_loot', loot_id: 1, quantity: 1, entry_id: 'same' };
    expect(issuesOf(order([entry, { ...entry, entry_id: 'other' }, entry]))).toEqual([
      [['entries', 2, 'entry_id'], 'entry_id is not unique in the order'],
    ]);
  });

  it('holds 1 to 100 entries', () => {
    const entry = { type: 'fill_loot', loot_id: 1, quantity: 1 };
    expect(issuesOf(order([]))).toHaveLength(1);
    expect(issuesOf(order(Array<typeof entry>(100).fill(entry)))).toEqual([]);
    expect(issuesOf(order(Array<typeof entry>(101).fill(entry)))).toHaveLength(1);
  });

  it('reads player_uuid in lower case, and refuses one that is not a UUID', () => {
    expect(orderCreateSchema.parse(order([{ type: 'x' }])).player_uuid).toBe(PLAYER.toLowerCase());
    expect(issuesOf({ player_uuid: 'player-1', entries: [{ type: 'x' }] })).toEqual([
      [['player_uuid'], 'must be a UUID'],
    ]);
  });
});

describe('requestHash', () => {
  const hashOf = (input: unknown) => requestHash(orderCreateSchema.parse(input));
  const base = order([{ type: 'fill_loot', loot_id: 1, quantity: 2 }], { source: 'STEAM' });

  it('is the same for the same request, whatever the order of its keys', () => {
    const reordered = {
      entries: [{ quantity: 2, loot_id: 1, type: 'fill_loot' }],
      source: 'STEAM',
      player_uuid: PLAYER,
    };
    expect(hashOf(reordered)).toBe(hashOf(base));
  });

  it('does not tell null from absent, nor is_transaction false from absent', () => {
    expect(hashOf({ ...base, match_id: null, entries: [{ ...base.entries[0], vendor_version: null }] })).toBe(
      hashOf(base),
    );
    expect(hashOf({ ...base, is_transaction: false })).toBe(hashOf(base));
    expect(hashOf({ ...base, is_transaction: true })).not.toBe(hashOf(base));
  });

  it('changes with anything the caller asked for, the order of entries included', () => {
    const second = { type: 'fill_loot', loot_id: 2, quantity: 1 };
    expect(hashOf({ ...base, entries: [{ ...base.entries[0], quantity: 3 }] })).not.toBe(hashOf(base));
    expect(hashOf({ ...base, source: 'PSN' })).not.toBe(hashOf(base));
    expect(hashOf({ ...base, entries: [base.entries[0], second] })).not.toBe(
      hashOf({ ...base, entries: [second, base.entries[0]] }),
    );
  });

  it('ignores fields the schema drops', () => {
    expect(hashOf({ ...base, platform_extra: 1 })).toBe(hashOf(base));
  });

  it('tells apart the compatible-API calls that made a request; no origin is the hash orders always had', () => {
    const parsed = orderCreateSchema.parse(base);
    expect(requestHash(parsed, null)).toBe(requestHash(parsed));
    expect(requestHash(parsed, 'playfab:AddInventoryItems')).not.toBe(requestHash(parsed));
    expect(requestHash(parsed, 'playfab:AddInventoryItems')).not.toBe(
      requestHash(parsed, 'playfab:ExecuteInventoryOperations'),
    );
  });
});

describe('queuedOrderOf', () => {
  const queued = (input: OrderInput) => queuedOrderOf(orderCreateSchema.parse(input));

  it('makes every optional header field explicit, and an order_id unless the caller chose one', () => {
    const plain = queued(order([{ type: 'fill_loot', loot_id: 1, quantity: 1 }]));
    expect(plain).toEqual({
      order_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      player_uuid: PLAYER.toLowerCase(),
      source: null,
      client_order_ref_id: null,
      portal_id: null,
      portal_user_id: null,
      instance_id: null,
      match_id: null,
      is_transaction: false,
      origin: null,
      refund_of: null,
      entries: [{ type: 'fill_loot', loot_id: 1, quantity: 1, entry_id: expect.any(String) }],
    });
    expect(queued(order([{ type: 'x' }], { order_id: 'chosen-1' })).order_id).toBe('chosen-1');
    expect(queued(order([{ type: 'x' }])).order_id).not.toBe(queued(order([{ type: 'x' }])).order_id);
  });

  it('keeps the entry_id a caller chose and makes a distinct one for every other entry', () => {
    const { entries } = queued(order([{ type: 'x', entry_id: 'mine' }, { type: 'x' }, { type: 'x' }]));
    expect(entries[0]!.entry_id).toBe('mine');
    expect(entries[1]!.entry_id).not.toBe(entries[2]!.entry_id);
  });

  it('shows quantity 1 on the entry types that always take one, when the caller sent none', () => {
    const { entries } = queued(
      order([
        { type: 'promotion_code', external_tran_id: 'CODE' },
        {
          type: 'purchase_dynamic_bundle',
          loot_id: 1,
          dynamic_bundle_loot_ids: [2],
          purchase_price: { price_item_id: 1, price: 1 },
        },
        { type: 'fill_entitled_loot', external_item_sku: 'SKU', external_tran_id: 'T' },
        { type: 'promotion_code', external_tran_id: 'CODE', quantity: 5 },
        { type: 'update_inventory', legacy_inventory_id: 1 },
      ]),
    );
    expect(entries.map((entry) => entry.quantity)).toEqual([1, 1, 1, 5, undefined]);
  });
});
