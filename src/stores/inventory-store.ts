import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from './sql.js';
import type { Catalog } from '../domain/catalog.js';
import type { InventoryPage, InventoryRecordView } from '../domain/details.js';
import { alwaysOwnedRecord, DEFAULT_COLLECTION } from '../domain/inventory.js';
import { RECORD_COLUMNS, toInventoryRecordView, type InventoryRow } from './player-store.js';
import type { Bucket, InventoryType } from '../domain/vocabulary.js';

export interface InventoryQuery {
  playerUuid: string;
  itemId?: number;
  bucket?: Bucket;
  type?: InventoryType;
  collectionId: string;
  limit: number;
  /** `a.<item id>` inside the always-owned records, `r.<legacy id>` inside the stored ones. */
  cursor?: string;
  includeExpired: boolean;
}

export const INVENTORY_CURSOR = /^(a|r)\.(\d{1,15})$/;

/**
 * One collection of a player's inventory: always-owned records first (they are not stored, every
 * player has them, in the default collection), then stored records in the order they were made.
 * Expired records are left out unless asked for.
 */
export async function listInventory(
  em: EntityManager,
  catalog: Catalog,
  query: InventoryQuery,
): Promise<InventoryPage> {
  const [, kind, value] = INVENTORY_CURSOR.exec(query.cursor ?? '') ?? [];
  const after = Number(value ?? 0);
  const wanted = query.limit + 1;
  const records: InventoryRecordView[] = [];

  const alwaysOwnedWanted = !query.bucket && (!query.type || query.type === 'always_owned');
  if (kind !== 'r' && alwaysOwnedWanted && query.collectionId === DEFAULT_COLLECTION) {
    for (const item of catalog.alwaysOwnedItems) {
      if (records.length === wanted) break;
      if (query.itemId !== undefined && item.id !== query.itemId) continue;
      if (kind === 'a' && item.id <= after) continue;
      records.push(alwaysOwnedRecord(query.playerUuid, item.id));
    }
  }
  if (records.length < wanted && query.type !== 'always_owned') {
    const filters: [string, unknown][] = [
      ['player_uuid = ?', query.playerUuid],
      ['legacy_inventory_id > ?', kind === 'r' ? after : 0],
      ['collection_id = ?', query.collectionId],
    ];
    if (query.itemId !== undefined) filters.push(['item_id = ?', query.itemId]);
    if (query.bucket) filters.push(['bucket = ?', query.bucket]);
    if (query.type) filters.push(['type = ?', query.type]);
    const conditions = filters.map(([condition]) => condition);
    const params = filters.map(([, param]) => param);
    if (!query.includeExpired) conditions.push('(expires is null or expires > clock_timestamp())');
    const rows = await runSql<InventoryRow[]>(
      em,
      `select ${RECORD_COLUMNS} from inventory_record where ${conditions.join(' and ')} order by legacy_inventory_id limit ?`,
      [...params, wanted - records.length],
    );
    records.push(...rows.map(toInventoryRecordView));
  }

  const page = records.slice(0, query.limit);
  const last = page[page.length - 1];
  const nextCursor =
    records.length > query.limit && last
      ? last.type === 'always_owned'
        ? `a.${last.item_id}`
        : `r.${last.legacy_inventory_id}`
      : null;
  return { inventory: page, next_cursor: nextCursor };
}

/** Every record of one collection of a player, expired ones too, in the order they were made. */
export async function collectionRecords(
  em: EntityManager,
  playerUuid: string,
  collectionId: string,
): Promise<InventoryRecordView[]> {
  const rows = await runSql<InventoryRow[]>(
    em,
    `select ${RECORD_COLUMNS} from inventory_record where player_uuid = ? and collection_id = ? order by legacy_inventory_id`,
    [playerUuid, collectionId],
  );
  return rows.map(toInventoryRecordView);
}

/** The collections a player holds records in, by name. */
export async function collectionIds(em: EntityManager, playerUuid: string): Promise<string[]> {
  const rows = await runSql<{ collection_id: string }[]>(
    em,
    `select distinct collection_id from inventory_record where player_uuid = ? order by collection_id`,
    [playerUuid],
  );
  return rows.map((row) => row.collection_id);
}
