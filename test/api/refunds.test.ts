import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, buySwords, GEM_GRANT, GEMS, SWORD } from '../helpers/catalog-fixture.js';
import { webhookSignature } from '../helpers/credentials.js';
import { newPlayer, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Refunds: a compensating order linked by `refund_of`, applied at most once per original, taking
 * back what was granted (as far as the player still holds it), returning what was spent, revoking
 * the platform transaction, and listing what could not be taken back.
 */

const STEAM_SECRET = 'steam-refund-secret';
const GEM_DLC = 300;
const SKU = 'GEMS-100';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { WEBHOOK_SECRET_STEAM: STEAM_SECRET },
    catalog: {
      ...baseCatalog,
      loot: [
        ...baseCatalog.loot,
        {
          id: GEM_DLC,
          name: 'Gem DLC',
          entitlements: [{ bucket: 'steam', sku: SKU }],
          contents: [{ item_id: GEMS, quantity: 100 }],
        },
      ],
    },
  });
});
afterAll(() => h.close());

function signed(path: string, body: object) {
  const raw = JSON.stringify(body);
  return h.request('POST', path, {
    rawBody: raw,
    headers: { 'x-armory-signature': webhookSignature(STEAM_SECRET, raw), prefer: 'wait=20' },
  });
}

/** A Steam purchase event fulfilling transaction `tran` with the gem DLC. */
const steamPurchase = (player: string, tran: string, eventId = `evt-${randomUUID()}`) =>
  signed('/v1/webhooks/steam', {
    order_id: eventId,
    player_uuid: player,
    entries: [{ type: 'fill_entitled_loot', external_item_sku: SKU, external_tran_id: tran }],
  });

const steamRefund = (player: string, tran: string) =>
  signed('/v1/webhooks/steam/refunds', { player_uuid: player, external_tran_id: tran });

const refund = (orderId: string) =>
  h.server('POST', `/v1/orders/${encodeURIComponent(orderId)}/refund`, undefined, { prefer: 'wait=20' });

const refundsOf = async (orderId: string) =>
  (
    await h.sql<{ n: number }>('select count(*)::int as n from player_order where refund_of = ?', [orderId])
  )[0]!.n;

describe('POST /v1/orders/{order_id}/refund', () => {
  it('takes back what is left of a grant partly spent, and lists the rest for ops', async () => {
    const player = newPlayer();
    const tran = `tran-${randomUUID()}`;
    const purchase = await steamPurchase(player, tran);
    expect(purchase.body.status).toBe('succeeded');
    await h.submit(buySwords(player)); // spends 50 of the 100 gems

    const refunded = await refund(purchase.body.order_id);
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({
      refund_of: purchase.body.order_id,
      source: 'REFUND',
      status: 'succeeded',
      entries: [{ type: 'revoke_inventory', item_id: GEMS, quantity: 100, result: 'success' }],
      not_taken_back: [{ entry_id: refunded.body.entries[0].entry_id, item_id: GEMS, quantity: 50 }],
    });
    expect(await h.balance(player, GEMS)).toBe(0);
    expect(await h.balance(player, SWORD)).toBe(1);
  });

  it('returns what a purchase spent and takes back what it bought', async () => {
    const player = newPlayer();
    await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    const bought = await h.submit(buySwords(player));
    const refunded = await refund(bought.body.order_id);
    expect(
      refunded.body.entries.map((entry: { type: string; item_id: number; quantity: number }) => [
        entry.type,
        entry.item_id,
        entry.quantity,
      ]),
    ).toEqual([
      ['add_inventory_stack', GEMS, 50],
      ['revoke_inventory', SWORD, 1],
    ]);
    expect(refunded.body.not_taken_back).toEqual([]);
    expect(await h.balance(player, GEMS)).toBe(100);
    expect(await h.balance(player, SWORD)).toBe(0);
  });

  it('is applied once however often it is asked for', async () => {
    const player = newPlayer();
    await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 2 }],
    });
    const granted = await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    const [first, second] = await Promise.all([refund(granted.body.order_id), refund(granted.body.order_id)]);
    const third = await refund(granted.body.order_id);
    expect(new Set([first.body.order_id, second.body.order_id, third.body.order_id]).size).toBe(1);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(await refundsOf(granted.body.order_id)).toBe(1);
    expect(await h.balance(player, GEMS)).toBe(200);
  });

  it('refuses what cannot be refunded with 409, and an unknown order with 404', async () => {
    const player = newPlayer();
    const failed = await h.submit(buySwords(player));
    expect(failed.body.status).toBe('failed');
    const notTakenEffect = await refund(failed.body.order_id);
    expect(notTakenEffect.status).toBe(409);
    expect(notTakenEffect.body.error_code).toBe('order_not_refundable');

    const granted = await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    const first = await refund(granted.body.order_id);
    const ofRefund = await refund(first.body.order_id);
    expect(ofRefund.status).toBe(409);
    expect(ofRefund.body.desc).toMatch(/a refund is not refunded/);

    expect((await refund('no-such-order')).status).toBe(404);
    const asPlayer = await h.request('POST', `/v1/orders/${granted.body.order_id}/refund`);
    expect(asPlayer.status).toBe(401);
  });

  it('keeps revoke_inventory to refunds: in any other order it is permission_denied', async () => {
    const player = newPlayer();
    await h.submit({
      player_uuid: player,
      entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity: 1 }],
    });
    const taking = await h.submit({
      player_uuid: player,
      entries: [{ type: 'revoke_inventory', item_id: GEMS, quantity: 10 }],
    });
    expect(taking.body.entries[0].result).toBe('permission_denied');
    expect(await h.balance(player, GEMS)).toBe(100);
  });
});

describe('POST /v1/webhooks/{platform}/refunds', () => {
  it('refunds the order that fulfilled the transaction, once however often the platform redelivers', async () => {
    const player = newPlayer();
    const tran = `tran-${randomUUID()}`;
    const purchase = await steamPurchase(player, tran);
    const [first, again] = [await steamRefund(player, tran), await steamRefund(player, tran)];
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      bucket: 'steam',
      external_tran_id: tran,
      revoked: true,
      refund: { refund_of: purchase.body.order_id },
    });
    expect(again.body.refund.order_id).toBe(first.body.refund.order_id);
    expect(await refundsOf(purchase.body.order_id)).toBe(1);
    const final = await h.server('GET', `/v1/orders/${first.body.refund.order_id}`, undefined, {
      prefer: 'wait=20',
    });
    expect(final.body.status).toBe('succeeded');
    expect(await h.balance(player, GEMS)).toBe(0);
    const [revoked] = await h.sql<{ revoked_at: unknown }>(
      `select revoked_at from fulfilled_entitlement where bucket = 'steam' and external_tran_id = ?`,
      [tran],
    );
    expect(revoked!.revoked_at).not.toBeNull();
  });

  it('never fulfils a refunded transaction again, sent again or sent first after its refund', async () => {
    const player = newPlayer();
    const tran = `tran-${randomUUID()}`;
    await steamPurchase(player, tran);
    await steamRefund(player, tran);
    const sentAgain = await steamPurchase(player, tran);
    expect(sentAgain.body.entries[0].result).toBe('permission_denied');
    expect(await h.balance(player, GEMS)).toBe(0);

    // The refund arrives before the purchase it refunds: nothing to refund yet, and never after.
    const early = `tran-${randomUUID()}`;
    const revoked = await steamRefund(player, early);
    expect(revoked.body).toMatchObject({ revoked: true, refund: null });
    const late = await steamPurchase(player, early);
    expect(late.body.entries[0].result).toBe('permission_denied');
    expect(await h.balance(player, GEMS)).toBe(0);
  });

  it('refuses an unsigned refund and changes nothing', async () => {
    const player = newPlayer();
    const tran = `tran-${randomUUID()}`;
    const unsigned = await h.request('POST', '/v1/webhooks/steam/refunds', {
      rawBody: JSON.stringify({ player_uuid: player, external_tran_id: tran }),
    });
    expect(unsigned.status).toBe(401);
    expect(await h.sql('select 1 from fulfilled_entitlement where external_tran_id = ?', [tran])).toEqual([]);
    const bad = await signed('/v1/webhooks/steam/refunds', { player_uuid: 'nope' });
    expect(bad.status).toBe(422);
  });
});
