import { describe, expect, it } from 'vitest';
import { inventoryChanges } from '../../helpers/details.js';
import { engineOver, expectRefused, expectSuccess, type OrderInput } from '../../helpers/engine.js';
import type { Bucket, Source } from '../../../src/domain/vocabulary.js';
import {
  bundleAndClaimsCatalog,
  DLC_ITEM,
  EMOTE,
  ENTITLED_SKIN,
  HAT,
  SKIN,
  UNKNOWN_LOOT,
} from '../../fixtures/bundle-and-claims-catalog.js';

/**
 * fill_entitled_loot: grants the loot a platform purchase entitles, found by (bucket, sku). The
 * platform transaction `external_tran_id` is fulfilled at most once per bucket.
 */

const engineWith = engineOver(bundleAndClaimsCatalog);

interface EntitledOptions {
  source?: Source | null;
  sku?: string;
  tran?: string;
  bucket?: Bucket;
}

const TRAN = 'tran-1001';

const entitled = (options: EntitledOptions = {}): OrderInput => ({
  source: options.source === undefined ? 'STEAM' : options.source,
  entries: [
    {
      type: 'fill_entitled_loot',
      external_item_sku: options.sku ?? 'SKU-SKIN',
      external_tran_id: options.tran ?? TRAN,
      use_inventory_bucket: options.bucket,
    },
  ],
});

describe('fill_entitled_loot grants', () => {
  it('the loot entitled by the sku in the source bucket, once, and marks the transaction fulfilled', () => {
    const engine = engineWith();
    const entry = expectSuccess(engine, entitled());
    expect(entry.quantity).toBe(1);
    expect(inventoryChanges(entry.details)).toEqual([
      { loot_id: ENTITLED_SKIN, item: SKIN, before: null, after: 1 },
    ]);
    expect(engine.records()).toEqual([expect.objectContaining({ item_id: SKIN, count: 1, bucket: 'steam' })]);
    expect(engine.written().fulfilled).toEqual([{ bucket: 'steam', externalTranId: TRAN }]);
  });

  it('the sku is looked up in the grant bucket: the same sku on Xbox is another loot', () => {
    const engine = engineWith();
    expectSuccess(engine, entitled({ source: 'XBOX' }));
    expect(engine.records()).toEqual([
      expect.objectContaining({ item_id: DLC_ITEM, count: 1, bucket: 'xbox_live' }),
    ]);
  });

  it('use_inventory_bucket picks the bucket for a source that is not CLIENT', () => {
    const engine = engineWith();
    expectSuccess(engine, entitled({ source: 'IN_GAME', bucket: 'epic', sku: 'SKU-EPIC' }));
    expect(engine.records()).toEqual([expect.objectContaining({ item_id: EMOTE, count: 1, bucket: 'epic' })]);
    expect(engine.written().fulfilled).toEqual([{ bucket: 'epic', externalTranId: TRAN }]);
  });

  it('the same external_tran_id in another bucket is another transaction', () => {
    const engine = engineWith({ claims: { fulfilled: [{ bucket: 'steam', externalTranId: TRAN }] } });
    expectSuccess(engine, entitled({ source: 'PSN' }));
    expect(engine.records()).toEqual([expect.objectContaining({ item_id: SKIN, bucket: 'psn' })]);
  });
});

describe('fill_entitled_loot refusals change nothing and leave the transaction unused', () => {
  it('permission_denied for a CLIENT source, even naming a platform bucket', () => {
    const engine = engineWith();
    expectRefused(engine, entitled({ source: 'CLIENT' }), 'permission_denied');
    expectRefused(engine, entitled({ source: 'CLIENT', bucket: 'steam' }), 'permission_denied');
    expect(engine.written().fulfilled).toEqual([]);
    expectSuccess(engine, entitled());
  });

  it('permission_denied for a platform transaction already fulfilled in that bucket, whatever the sku', () => {
    const stored = { fulfilled: [{ bucket: 'steam' as const, externalTranId: TRAN }] };
    expectRefused(engineWith({ claims: stored }), entitled(), 'permission_denied');
    expectRefused(engineWith({ claims: stored }), entitled({ sku: 'SKU-RETIRED' }), 'permission_denied');
    // an explicit use_inventory_bucket naming the same bucket is the same transaction
    expectRefused(
      engineWith({ claims: stored }),
      entitled({ source: 'IN_GAME', bucket: 'steam' }),
      'permission_denied',
    );
  });

  it('permission_denied for the second fulfilment of one transaction in a batch', () => {
    const engine = engineWith();
    expectSuccess(engine, entitled());
    expectRefused(engine, entitled(), 'permission_denied');
    expect(engine.balance(SKIN)).toBe(1);
  });

  it('loot_not_found for a sku no loot is entitled by in that bucket', () => {
    const engine = engineWith({ holdings: [{ item: HAT, count: 1 }] });
    expectRefused(engine, entitled({ sku: 'SKU-NOTHING' }), 'loot_not_found');
    expectRefused(engine, entitled({ sku: 'SKU-PSN-ONLY' }), 'loot_not_found');
    // without use_inventory_bucket an IN_GAME order grants into `free`, where no loot has the sku
    expectRefused(engine, entitled({ source: 'IN_GAME', sku: 'SKU-EPIC' }), 'loot_not_found');
    expect(engine.written().fulfilled).toEqual([]);
  });

  it('runs the fill_loot checks: loot_not_active', () => {
    const engine = engineWith();
    expectRefused(engine, entitled({ sku: 'SKU-RETIRED' }), 'loot_not_active');
    expect(engine.written().fulfilled).toEqual([]);
    expectSuccess(engine, entitled());
  });

  it('a fulfilment rolled back by a transaction leaves the transaction unused', () => {
    const engine = engineWith();
    const applied = engine.apply({
      source: 'STEAM',
      is_transaction: true,
      entries: [
        { type: 'fill_entitled_loot', external_item_sku: 'SKU-SKIN', external_tran_id: TRAN },
        { type: 'fill_loot', loot_id: UNKNOWN_LOOT, quantity: 1 },
      ],
    });
    expect(applied.entries.map((entry) => entry.result)).toEqual(['rollback', 'loot_not_found']);
    expect(engine.records()).toEqual([]);
    expect(engine.written().fulfilled).toEqual([]);

    expectSuccess(engine, entitled());
  });
});
