import type { EntityManager } from '@mikro-orm/postgresql';
import type { InventoryRecordView } from './details.js';
import { isoTime } from './schema-types.js';
import type { StoredEntry } from './entities.js';
import type { InventoryDiff } from './inventory.js';
import type { OrderRequest } from './order-request.js';
import type { Bucket, InventoryType, OrderStatus } from './vocabulary.js';

/**
 * Set-based reads and writes of one player's state. The order engine runs in memory between one
 * load and one write-back, so a batch of orders costs a handful of statements, not one per change.
 */

interface InventoryRow {
  inventory_id: string;
  legacy_inventory_id: string | number;
  item_id: number;
  type: InventoryType;
  bucket: Bucket | null;
  count: number;
  acquired: Date | string;
  expires: Date | string | null;
  custom_data: Record<string, string>;
}

export function toInventoryRecordView(row: InventoryRow): InventoryRecordView {
  return {
    inventory_id: row.inventory_id,
    type: row.type,
    legacy_inventory_id: Number(row.legacy_inventory_id),
    bucket: row.bucket,
    count: row.count,
    acquired: isoTime(row.acquired),
    expires: row.expires === null ? null : isoTime(row.expires),
    custom_data: row.custom_data,
    item_id: row.item_id,
  };
}

/**
 * Takes the player's row lock, creating the player on first use. Every change to a player's
 * inventory happens under this lock, which is what serializes their orders and prevents double spend.
 */
export async function lockPlayer(
  em: EntityManager,
  playerUuid: string,
): Promise<{ nextLegacyInventoryId: number }> {
  const select = 'select next_legacy_inventory_id from player where player_uuid = ? for update';
  let rows = await em.execute<{ next_legacy_inventory_id: string }[]>(select, [playerUuid]);
  if (rows.length === 0) {
    await em.execute('insert into player (player_uuid) values (?) on conflict do nothing', [playerUuid]);
    rows = await em.execute<{ next_legacy_inventory_id: string }[]>(select, [playerUuid]);
  }
  return { nextLegacyInventoryId: Number(rows[0]!.next_legacy_inventory_id) };
}

export async function loadInventory(em: EntityManager, playerUuid: string): Promise<InventoryRecordView[]> {
  const rows = await em.execute<InventoryRow[]>(
    `select inventory_id, legacy_inventory_id, item_id, type, bucket, count, acquired, expires, custom_data
       from inventory_record where player_uuid = ? order by legacy_inventory_id`,
    [playerUuid],
  );
  return rows.map(toInventoryRecordView);
}

interface QueuedOrderRow {
  order_id: string;
  player_uuid: string;
  source: OrderRequest['source'];
  client_order_ref_id: string | null;
  portal_id: number | null;
  portal_user_id: string | null;
  instance_id: string | null;
  match_id: string | null;
  is_transaction: boolean;
  entries: StoredEntry[];
}

/** The player's orders still waiting, in the order the API accepted them. */
export async function loadQueuedOrders(
  em: EntityManager,
  playerUuid: string,
  limit: number,
): Promise<OrderRequest[]> {
  const rows = await em.execute<QueuedOrderRow[]>(
    `select order_id, player_uuid, source, client_order_ref_id, portal_id, portal_user_id, instance_id, match_id,
            is_transaction, entries
       from player_order where player_uuid = ? and status = 'queued' order by accept_seq limit ?`,
    [playerUuid, limit],
  );
  return rows.map(({ entries, ...order }) => ({
    ...order,
    entries: entries.map(({ result: _result, details: _details, ...entry }) => entry),
  }));
}

const RECORD_COLUMNS = `inventory_id uuid, legacy_inventory_id bigint, item_id int, type text, bucket text, count int,
  acquired timestamptz, expires timestamptz, custom_data jsonb`;

export async function saveInventory(
  em: EntityManager,
  playerUuid: string,
  diff: InventoryDiff,
): Promise<void> {
  if (diff.deleted.length > 0) {
    await em.execute(
      `delete from inventory_record where player_uuid = ?
         and inventory_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
      [playerUuid, JSON.stringify(diff.deleted.map((record) => record.inventory_id))],
    );
  }
  if (diff.updated.length > 0) {
    await em.execute(
      `update inventory_record t
          set item_id = r.item_id, count = r.count, expires = r.expires, custom_data = r.custom_data
         from jsonb_to_recordset(?::jsonb) as r(${RECORD_COLUMNS})
        where t.player_uuid = ? and t.inventory_id = r.inventory_id`,
      [JSON.stringify(diff.updated), playerUuid],
    );
  }
  if (diff.inserted.length > 0) {
    await em.execute(
      `insert into inventory_record
              (inventory_id, player_uuid, legacy_inventory_id, item_id, type, bucket, count, acquired, expires, custom_data)
       select r.inventory_id, ?, r.legacy_inventory_id, r.item_id, r.type, r.bucket, r.count, r.acquired, r.expires,
              r.custom_data
         from jsonb_to_recordset(?::jsonb) as r(${RECORD_COLUMNS})`,
      [playerUuid, JSON.stringify(diff.inserted)],
    );
  }
}

export async function saveNextLegacyInventoryId(
  em: EntityManager,
  playerUuid: string,
  next: number,
): Promise<void> {
  await em.execute('update player set next_legacy_inventory_id = ? where player_uuid = ?', [
    next,
    playerUuid,
  ]);
}

export interface OrderOutcome {
  order_id: string;
  status: OrderStatus;
  entries: StoredEntry[];
}

export async function saveOrderOutcomes(em: EntityManager, outcomes: OrderOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await em.execute(
    `update player_order o
        set status = r.status, entries = r.entries, completed_time = clock_timestamp(), attempts = o.attempts + 1,
            last_error = null
       from jsonb_to_recordset(?::jsonb) as r(order_id text, status text, entries jsonb)
      where o.order_id = r.order_id`,
    [JSON.stringify(outcomes)],
  );
}
