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
      `create table "inventory_change" ("player_uuid" uuid not null, "seq" bigint not null, "applied_time" timestamptz not null default clock_timestamp(), "order_id" varchar(80) not null, "order_player_uuid" uuid not null, "entry_index" smallint not null, "detail_index" smallint not null, "counterparty_uuid" uuid null, "item_id" int not null, "collection_id" varchar(75) not null, constraint "inventory_change_pkey" primary key ("player_uuid", "seq"));`,
    );
    this.addSql(
      `with change as (
         select o.order_id, o.player_uuid as order_player_uuid, o.applied_seq, o.completed_time,
                e.index - 1 as entry_index, d.index - 1 as detail_index,
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
                receiver is not null
                  and coalesce((after->>'count')::int, 0) >= coalesce((before->>'count')::int, 0) as received
           from change
       )
       insert into inventory_change (player_uuid, seq, applied_time, order_id, order_player_uuid, entry_index,
              detail_index, counterparty_uuid, item_id, collection_id)
       select case when received then receiver else order_player_uuid end,
              row_number() over (partition by case when received then receiver else order_player_uuid end
                                 order by completed_time, order_player_uuid, applied_seq, entry_index, detail_index),
              completed_time, order_id, order_player_uuid, entry_index, detail_index,
              case when receiver is null then null when received then order_player_uuid else receiver end,
              (record->>'item_id')::int, coalesce(record->>'collection_id', 'default')
         from owned;`,
    );
    this.addSql(
      `update player p set next_history_seq = h.last + 1
         from (select player_uuid, max(seq) as last from inventory_change group by player_uuid) h
        where p.player_uuid = h.player_uuid;`,
    );
  }
}
