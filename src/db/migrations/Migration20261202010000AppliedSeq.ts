import { Migration } from '@mikro-orm/migrations';

/**
 * Each final order's place in its player's effect order. Orders already final are numbered in the
 * order they took effect: batch by batch, in the order the batches committed (by completion time),
 * and within a batch in accept order, as the worker applied them. The orders one batch made final
 * were written by one transaction, so they share `xmin`; their `completed_time`s differ by the
 * microseconds the write took, in no useful order.
 */
export class Migration20261202010000AppliedSeq extends Migration {
  override up(): void {
    this.addSql(`alter table "player" add column "next_applied_seq" bigint not null default 1;`);
    this.addSql(`alter table "player_order" add column "applied_seq" bigint null;`);
    this.addSql(
      `with final as (
         select order_id, player_uuid, accept_seq,
                min(completed_time) over (partition by player_uuid, xmin::text) as batch_completed
           from player_order where status in ('succeeded', 'partially_succeeded', 'failed')
       ), numbered as (
         select order_id,
                row_number() over (partition by player_uuid order by batch_completed, accept_seq) as seq
           from final
       )
       update player_order o set applied_seq = numbered.seq from numbered where o.order_id = numbered.order_id;`,
    );
    this.addSql(
      `update player p set next_applied_seq = n.last + 1
         from (select player_uuid, max(applied_seq) as last from player_order group by player_uuid) n
        where p.player_uuid = n.player_uuid and n.last is not null;`,
    );
    this.addSql(
      `alter table "player_order" add constraint "player_order_player_uuid_applied_seq_unique" unique ("player_uuid", "applied_seq");`,
    );
  }
}
