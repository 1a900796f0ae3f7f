import { Migration } from '@mikro-orm/migrations';

/**
 * An order id is unique across players (the contract answers a second submit of an id, by anyone,
 * as a replay or a conflict), but a table sharded by player can only hold keys that lead with the
 * player. `order_key` holds the ids and whose each one is: a small table of its own, sharded by
 * order id, claimed in the same statement that stores the order. `player_order` is keyed by player.
 */
export class Migration20261205010000OrderKeys extends Migration {
  override up(): void {
    this.addSql(
      `create table "order_key" ("order_id" varchar(80) not null, "player_uuid" uuid not null, constraint "order_key_pkey" primary key ("order_id"));`,
    );
    this.addSql(
      `insert into "order_key" ("order_id", "player_uuid") select "order_id", "player_uuid" from "player_order";`,
    );
    this.addSql(`alter table "player_order" drop constraint "player_order_pkey";`);
    this.addSql(
      `alter table "player_order" add constraint "player_order_pkey" primary key ("player_uuid", "order_id");`,
    );
  }

  override down(): void {
    this.addSql(`alter table "player_order" drop constraint "player_order_pkey";`);
    this.addSql(`alter table "player_order" add constraint "player_order_pkey" primary key ("order_id");`);
    this.addSql(`drop table if exists "order_key";`);
  }
}
