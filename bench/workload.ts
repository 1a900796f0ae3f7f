import { randomUUID } from 'node:crypto';

/**
 * The benchmark's world: a realistic catalog, players with starting balances, and a generator of
 * orders following a configurable mix of entry types.
 */

export const GEMS = 1;
export const COUPON = 2;
export const FIRST_ITEM = 10;
export const ITEM_COUNT = 60;
export const FIRST_PRICED_LOOT = 1000;
export const PRICED_LOOT_COUNT = 25;
export const FIRST_FREE_LOOT = 2000;
export const FREE_LOOT_COUNT = 10;
export const STARTING_GEMS = 1_000_000_000;
export const STARTING_COUPONS = 1_000_000;

export function benchCatalog() {
  const items = [
    { id: GEMS, name: 'Gems', friendly_id: 'GEM', currency: true },
    {
      id: COUPON,
      name: 'Ten percent off',
      coupon: { discount_percent: 10, price_item_ids: [GEMS], loot_ids: [], max_quantity: 5 },
    },
    ...Array.from({ length: ITEM_COUNT }, (_, i) => ({
      id: FIRST_ITEM + i,
      name: `Item ${i}`,
      unique: i % 15 === 0,
    })),
  ];
  const pricedLoot = Array.from({ length: PRICED_LOOT_COUNT }, (_, i) => ({
    id: FIRST_PRICED_LOOT + i,
    name: `Store pack ${i}`,
    vendor_id: 1 + (i % 3),
    prices: [{ price_item_id: GEMS, price: 10 + i * 5 }],
    coupons_enabled: true,
    max_quantity: 10,
    contents: [
      { item_id: FIRST_ITEM + ((i * 2) % ITEM_COUNT), quantity: 1 },
      { item_id: FIRST_ITEM + ((i * 2 + 1) % ITEM_COUNT), quantity: 2 },
    ],
  }));
  const freeLoot = Array.from({ length: FREE_LOOT_COUNT }, (_, i) => ({
    id: FIRST_FREE_LOOT + i,
    name: `Match reward ${i}`,
    contents: [{ item_id: FIRST_ITEM + ((i * 7) % ITEM_COUNT), quantity: 1 + i }],
    sub_loot: i > 0 ? [{ loot_id: FIRST_FREE_LOOT, quantity: 1 }] : [],
  }));
  return {
    items,
    vendors: [1, 2, 3].map((id) => ({ id, name: `Vendor ${id}` })),
    loot: [...pricedLoot, ...freeLoot],
    promotions: Array.from({ length: 5 }, (_, i) => ({
      code: `BENCH${i}`,
      loot_id: FIRST_FREE_LOOT + i,
      max_uses: 1_000_000,
      per_player: 1_000_000,
    })),
  };
}

/** Player uuids are derived from their index so that every process agrees on them. */
export function playerUuid(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** The record each player holds from the start for `update_inventory` entries to change. */
export function updatableRecordId(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `00000000-0000-4000-9000-${hex}`;
}

/** SQL that gives `count` players their starting balances, in two statements. */
export function seedPlayersSql(count: number): string[] {
  return [
    `insert into player (player_uuid, next_legacy_inventory_id)
       select ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 4 from generate_series(0, ${count - 1}) i`,
    `insert into inventory_record
       (inventory_id, player_uuid, legacy_inventory_id, item_id, type, bucket, count, acquired, expires, custom_data)
     select case r when 3 then ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid else gen_random_uuid() end,
            ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, r,
            case r when 1 then ${GEMS} when 2 then ${COUPON} else ${FIRST_ITEM + 1} end,
            'persistent', 'free',
            case r when 1 then ${STARTING_GEMS} when 2 then ${STARTING_COUPONS} else 1 end,
            now(), null, '{}'::jsonb
       from generate_series(0, ${count - 1}) i, generate_series(1, 3) r`,
  ];
}

export interface Mix {
  purchase_loot: number;
  fill_loot: number;
  update_inventory: number;
  promotion_code: number;
  create_new_persistent_inventory: number;
}

export const DEFAULT_MIX: Mix = {
  purchase_loot: 50,
  fill_loot: 20,
  update_inventory: 10,
  promotion_code: 10,
  create_new_persistent_inventory: 10,
};

/** `purchase_loot=50,fill_loot=20,...`; types left out weigh 0. */
export function parseMix(text: string): Mix {
  const mix: Mix = {
    purchase_loot: 0,
    fill_loot: 0,
    update_inventory: 0,
    promotion_code: 0,
    create_new_persistent_inventory: 0,
  };
  for (const part of text.split(',')) {
    const [name, weight] = part.split('=');
    if (!name || !(name in mix) || !weight || Number.isNaN(Number(weight)))
      throw new Error(`bad --mix part: ${part}`);
    mix[name as keyof Mix] = Number(weight);
  }
  return mix;
}

export type PlayerPicker = () => number;

export const uniformPlayers =
  (count: number): PlayerPicker =>
  () =>
    Math.floor(Math.random() * count);

/**
 * One hot player (index 0) gets `share` of the orders; the rest are spread uniformly over all
 * players. A single player's queue backs up while the others stay short: what a bot, a streamer's
 * giveaway or a stuck client does to one inventory.
 */
export function hotPlayer(count: number, share = 0.2): PlayerPicker {
  const others = uniformPlayers(count);
  return () => (Math.random() < share ? 0 : others());
}

/** Zipf-distributed player indexes (s = 1.1): a few hot players get most orders. */
export function zipfPlayers(count: number, exponent = 1.1): PlayerPicker {
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let rank = 0; rank < count; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return () => {
    const target = Math.random() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

export function orderGenerator(mix: Mix, pickPlayer: PlayerPicker, transactionalShare = 0.3) {
  const kinds = Object.entries(mix).filter(([, weight]) => weight > 0) as [keyof Mix, number][];
  const totalWeight = kinds.reduce((sum, [, weight]) => sum + weight, 0);
  const pickKind = (): keyof Mix => {
    let roll = Math.random() * totalWeight;
    for (const [kind, weight] of kinds) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return kinds[0]![0];
  };
  const entry = (kind: keyof Mix, player: number) => {
    const type = kind;
    switch (type) {
      case 'purchase_loot': {
        const loot = Math.floor(Math.random() * PRICED_LOOT_COUNT);
        const withCoupon = Math.random() < 0.2;
        return {
          type,
          loot_id: FIRST_PRICED_LOOT + loot,
          quantity: 1 + Math.floor(Math.random() * 3),
          purchase_price: {
            price_item_id: GEMS,
            price: 10 + loot * 5,
            ...(withCoupon && { price_coupon_item_id: COUPON }),
          },
        };
      }
      case 'update_inventory':
        return { type, inventory_id: updatableRecordId(player), custom_data: { seen: String(Date.now()) } };
      case 'promotion_code':
        return { type, external_tran_id: `BENCH${Math.floor(Math.random() * 5)}` };
      case 'create_new_persistent_inventory':
        return { type, item_id: FIRST_ITEM + 2 + Math.floor(Math.random() * 40), quantity: 1 };
      default:
        return {
          type: 'fill_loot',
          loot_id: FIRST_FREE_LOOT + Math.floor(Math.random() * FREE_LOOT_COUNT),
          quantity: 1,
        };
    }
  };
  return () => {
    const player = pickPlayer();
    const entryCount = 2 + Math.floor(Math.random() * 4);
    return {
      order_id: randomUUID(),
      player_uuid: playerUuid(player),
      source: 'IN_GAME',
      is_transaction: Math.random() < transactionalShare,
      entries: Array.from({ length: entryCount }, () => entry(pickKind(), player)),
    };
  };
}

/**
 * PlayFab's inventory calls, as a PlayFab game server makes them through /playfab: a mix of Add,
 * Subtract, Purchase and ExecuteInventoryOperations on the seeded players' gems and store packs.
 */
export function playfabRequests(pickPlayer: PlayerPicker): () => { path: string; body: unknown } {
  const gems = { Id: String(GEMS) };
  return () => {
    const Entity = { Type: 'title_player_account', Id: playerUuid(pickPlayer()) };
    const roll = Math.random() * 100;
    if (roll < 30)
      return { path: '/playfab/Inventory/AddInventoryItems', body: { Entity, Item: gems, Amount: 5 } };
    if (roll < 60) {
      return { path: '/playfab/Inventory/SubtractInventoryItems', body: { Entity, Item: gems, Amount: 1 } };
    }
    if (roll < 85) {
      const k = Math.floor(Math.random() * PRICED_LOOT_COUNT);
      return {
        path: '/playfab/Inventory/PurchaseInventoryItems',
        body: {
          Entity,
          Item: { Id: String(FIRST_PRICED_LOOT + k) },
          Amount: 1,
          PriceAmounts: [{ ItemId: String(GEMS), Amount: 10 + k * 5 }],
        },
      };
    }
    return {
      path: '/playfab/Inventory/ExecuteInventoryOperations',
      body: {
        Entity,
        Operations: [
          { Add: { Item: gems, Amount: 2 } },
          { Subtract: { Item: gems, Amount: 1 } },
          { Add: { Item: { Id: String(FIRST_ITEM + 3) }, Amount: 1 } },
        ],
      },
    };
  };
}

/**
 * LootLocker's server calls, as a LootLocker game server makes them through /lootlocker: credits
 * and debits of gems on the players' wallets (`walletOf` a player index), and alters that grant an
 * asset instance.
 */
export function lootlockerRequests(
  pickPlayer: PlayerPicker,
  walletOf: (index: number) => string,
): () => { method?: 'PATCH'; path: string; body: unknown } {
  return () => {
    const index = pickPlayer();
    const roll = Math.random() * 100;
    if (roll < 40) {
      return {
        path: '/lootlocker/server/balances/credit',
        body: { amount: '5', currency_id: 'GEM', wallet_id: walletOf(index) },
      };
    }
    if (roll < 80) {
      return {
        path: '/lootlocker/server/balances/debit',
        body: { amount: '1', currency_id: 'GEM', wallet_id: walletOf(index) },
      };
    }
    return {
      method: 'PATCH',
      path: `/lootlocker/server/player/${playerUuid(index)}/inventory`,
      body: { add: [{ asset_id: FIRST_ITEM + 5 }], remove: [] },
    };
  };
}
