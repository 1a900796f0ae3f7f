/** A small catalog most tests share: a currency, a few items, a store vendor and priced loot. */
export const GEMS = 1;
export const GOLD = 2;
export const SWORD = 10;
export const SHIELD = 11;
export const BADGE = 12; // always owned
export const CROWN = 13; // unique
export const OLD_ITEM = 14; // inactive
export const COUPON_HALF = 20; // 50 % off gems-priced store loot

export const STORE = 1;
export const SWORD_PACK = 100;
export const GEM_GRANT = 200;

export const baseCatalog = {
  items: [
    { id: GEMS, name: 'Gems' },
    { id: GOLD, name: 'Gold' },
    { id: SWORD, name: 'Sword' },
    { id: SHIELD, name: 'Shield' },
    { id: BADGE, name: 'Founder badge', always_owned: true },
    { id: CROWN, name: 'Crown', unique: true },
    { id: OLD_ITEM, name: 'Retired', active: false },
    {
      id: COUPON_HALF,
      name: 'Half-price coupon',
      coupon: { discount_percent: 50, price_item_ids: [GEMS], loot_ids: [SWORD_PACK], max_quantity: 2 },
    },
  ],
  vendors: [{ id: STORE, name: 'Store' }],
  loot: [
    {
      id: SWORD_PACK,
      name: 'Sword pack',
      vendor_id: STORE,
      prices: [{ price_item_id: GEMS, price: 50 }],
      coupons_enabled: true,
      max_quantity: 10,
      contents: [{ item_id: SWORD, quantity: 1 }],
    },
    { id: GEM_GRANT, name: 'Gem grant', contents: [{ item_id: GEMS, quantity: 100 }] },
  ],
};

export const grantGems = (playerUuid: string, quantity = 1) => ({
  player_uuid: playerUuid,
  entries: [{ type: 'fill_loot', loot_id: GEM_GRANT, quantity }],
});

export const buySwords = (playerUuid: string, quantity = 1) => ({
  player_uuid: playerUuid,
  entries: [
    {
      type: 'purchase_loot',
      loot_id: SWORD_PACK,
      quantity,
      purchase_price: { price_item_id: GEMS, price: 50 },
    },
  ],
});
