import { expect } from 'vitest';
import type { Harness, InventoryRecord } from './harness.js';

export interface Holding {
  item: number;
  quantity: number;
  expires?: string;
}

/** Gives the player one new persistent record per holding (create_new_persistent_inventory). */
export async function giveHoldings(h: Harness, player: string, holdings: Holding[]): Promise<void> {
  const response = await h.submit({
    player_uuid: player,
    entries: holdings.map((holding) => ({
      type: 'create_new_persistent_inventory',
      item_id: holding.item,
      quantity: holding.quantity,
      ...(holding.expires ? { expires: holding.expires } : {}),
    })),
  });
  expect(response.status).toBe(200);
  expect(response.body.status, JSON.stringify(response.body.entries)).toBe('succeeded');
}

/** Everything the player holds, expired records included, as the API shows it. */
export const inventorySnapshot = (h: Harness, player: string): Promise<InventoryRecord[]> =>
  h.inventory(player, '&include_expired=true');
