import { Migration } from '@mikro-orm/migrations';

/**
 * Keys of the player tables lead with `player_uuid`, as a table sharded (or hash-partitioned) by
 * player needs: a unique key must hold the distribution column. The sequences stay global, so the
 * old keys stay unique in fact; only their index changes.
 */
export class Migration20261205000000PlayerLeadingKeys extends Migration {
  override up(): void {
    this.addSql(`alter table "inventory_record" drop constraint "inventory_record_pkey";`);
    this.addSql(
      `alter table "inventory_record" add constraint "inventory_record_pkey" primary key ("player_uuid", "inventory_id");`,
    );
    this.addSql(`alter table "event_delivery" drop constraint "event_delivery_pkey";`);
    this.addSql(
      `alter table "event_delivery" add constraint "event_delivery_pkey" primary key ("player_uuid", "delivery_id");`,
    );
    // Ops replay a delivery by its id alone.
    this.addSql(`create index "event_delivery_delivery_id_index" on "event_delivery" ("delivery_id");`);
    this.addSql(`alter table "promotion_failure" drop constraint "promotion_failure_pkey";`);
    this.addSql(
      `alter table "promotion_failure" add constraint "promotion_failure_pkey" primary key ("player_uuid", "id");`,
    );
    this.addSql(`alter table "player_order" drop constraint "player_order_accept_seq_unique";`);
    this.addSql(`drop index "player_order_player_uuid_accept_seq_index";`);
    this.addSql(
      `alter table "player_order" add constraint "player_order_player_uuid_accept_seq_unique" unique ("player_uuid", "accept_seq");`,
    );
    // A refund is its original's player's order, so an order is still refunded at most once.
    this.addSql(`drop index "player_order_refund_of_index";`);
    this.addSql(
      `create unique index "player_order_refund_of_index" on "player_order" ("player_uuid", "refund_of") where "refund_of" is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index "player_order_refund_of_index";`);
    this.addSql(
      `create unique index "player_order_refund_of_index" on "player_order" ("refund_of") where "refund_of" is not null;`,
    );
    this.addSql(`alter table "player_order" drop constraint "player_order_player_uuid_accept_seq_unique";`);
    this.addSql(
      `create index "player_order_player_uuid_accept_seq_index" on "player_order" ("player_uuid", "accept_seq");`,
    );
    this.addSql(
      `alter table "player_order" add constraint "player_order_accept_seq_unique" unique ("accept_seq");`,
    );
    this.addSql(`alter table "promotion_failure" drop constraint "promotion_failure_pkey";`);
    this.addSql(
      `alter table "promotion_failure" add constraint "promotion_failure_pkey" primary key ("id");`,
    );
    this.addSql(`drop index "event_delivery_delivery_id_index";`);
    this.addSql(`alter table "event_delivery" drop constraint "event_delivery_pkey";`);
    this.addSql(
      `alter table "event_delivery" add constraint "event_delivery_pkey" primary key ("delivery_id");`,
    );
    this.addSql(`alter table "inventory_record" drop constraint "inventory_record_pkey";`);
    this.addSql(
      `alter table "inventory_record" add constraint "inventory_record_pkey" primary key ("inventory_id");`,
    );
  }
}
