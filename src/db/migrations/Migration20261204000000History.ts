import { Migration } from '@mikro-orm/migrations';

/**
 * Players' history (inventory_change), filled from the details of the orders already final: each
 * change of an entry that took effect, numbered per player in the order the orders completed. A
 * transfer's gains belong to its receiver, its losses to its giver (as domain/history.ts decides).
 */
export class Migration20261204000000History extends Migration {
  override up(): void {
    this.addSql(`alter table "player" add column "next_history_seq" bigint not null default 1;`);
    this.addSql(
      `create table "inventory_change" ("player_uuid" uuid not null, "seq" bigint not null, "applied_time" timestamptz not null default clock_timestamp(), "order_id" varchar(80) not null, "changes" int not null, "order_player_uuid" uuid not null, "item_ids" jsonb not null, "collection_ids" jsonb not null, constraint "inventory_change_pkey" primary key ("player_uuid", "seq"));`,
    );
    this.addSql(
      `with change as (
         select o.order_id, o.player_uuid as order_player_uuid, o.applied_seq, o.completed_time,
                e.index as entry_index, d.index as detail_index,
                nullif(d.detail->'inv_change'->'before', 'null') as before,
                nullif(d.detail->'inv_change'->'after', 'null') as after,
                case when e.entry->>'type' = 'transfer_inventory_stack'
                      and (e.entry->>'to_player_uuid')::uuid <> o.player_uuid
                     then (e.entry->>'to_player_uuid')::uuid end as receiver
           from player_order o
          cross join lateral jsonb_array_elements(o.entries) with ordinality as e(entry, index)
          cross join lateral jsonb_array_elements(e.entry->'details') with ordinality as d(detail, index)
          where o.applied_seq is not null and e.entry->>'result' = 'success' and d.detail ? 'inv_change'
       ), owned as (
         select change.*, coalesce(after, before) as record,
                case when receiver is not null
                      and coalesce((after->>'count')::int, 0) >= coalesce((before->>'count')::int, 0)
                     then receiver else order_player_uuid end as owner
           from change
       ), numbered as (
         select owned.*,
                row_number() over (partition by owner
                                   order by completed_time, order_player_uuid, applied_seq, entry_index, detail_index) as seq
           from owned
       )
       insert into inventory_change (player_uuid, seq, applied_time, order_id, changes, order_player_uuid, item_ids, collection_ids)
       select owner, min(seq), min(completed_time), order_id, count(*), order_player_uuid,
              jsonb_agg(distinct (record->>'item_id')::int), jsonb_agg(distinct coalesce(record->>'collection_id', 'default'))
         from numbered group by owner, order_id, order_player_uuid;`,
    );
    this.addSql(
      `update player p set next_history_seq = h.next
         from (select player_uuid, max(seq + changes) as next from inventory_change group by player_uuid) h
        where p.player_uuid = h.player_uuid;`,
    );
  }

  /** Drops the players' history; the orders' details it was built from stay. */
  override down(): void {
    this.addSql(`drop table if exists "inventory_change";`);
    this.addSql(`alter table "player" drop column "next_history_seq";`);
  }
}
