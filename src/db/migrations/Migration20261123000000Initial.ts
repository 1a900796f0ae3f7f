import { Migration } from '@mikro-orm/migrations';

/** The initial schema, generated from the entities (now src/stores/entities.ts). */
export class Migration20261123000000Initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "catalog_item" ("id" int not null, "definition" jsonb not null, constraint "catalog_item_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create table "catalog_loot" ("id" int not null, "vendor_id" int null, "definition" jsonb not null, constraint "catalog_loot_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "catalog_loot_vendor_id_index" on "catalog_loot" ("vendor_id");`);
    this.addSql(
      `create table "catalog_revision" ("id" int not null, "revision" int not null, constraint "catalog_revision_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create table "inventory_record" ("inventory_id" uuid not null, "player_uuid" uuid not null, "legacy_inventory_id" bigint not null, "item_id" int not null, "type" varchar(16) not null, "bucket" varchar(32) null, "count" int not null, "acquired" timestamptz not null, "expires" timestamptz null, "custom_data" jsonb not null, constraint "inventory_record_pkey" primary key ("inventory_id"), constraint inventory_record_count_check check (count >= 1 and count <= 2147483647));`,
    );
    this.addSql(
      `create index "inventory_record_player_uuid_item_id_index" on "inventory_record" ("player_uuid", "item_id");`,
    );
    this.addSql(
      `alter table "inventory_record" add constraint "inventory_record_player_uuid_legacy_inventory_id_unique" unique ("player_uuid", "legacy_inventory_id");`,
    );
    this.addSql(
      `create table "player" ("player_uuid" uuid not null, "next_legacy_inventory_id" bigint not null default 1, "created_at" timestamptz not null default now(), constraint "player_pkey" primary key ("player_uuid"));`,
    );
    this.addSql(
      `create table "player_order" ("order_id" varchar(64) not null, "player_uuid" uuid not null, "accept_seq" bigserial, "client_order_ref_id" varchar(128) null, "request_hash" varchar(64) not null, "status" varchar(24) not null, "source" varchar(32) null, "portal_id" int null, "portal_user_id" varchar(256) null, "instance_id" varchar(256) null, "match_id" varchar(256) null, "is_transaction" boolean not null, "entries" jsonb not null, "created_time" timestamptz not null default clock_timestamp(), "completed_time" timestamptz null, "attempts" int not null default 0, "last_error" text null, constraint "player_order_pkey" primary key ("order_id"));`,
    );
    this.addSql(
      `alter table "player_order" add constraint "player_order_accept_seq_unique" unique ("accept_seq");`,
    );
    this.addSql(
      `create index "player_order_player_uuid_accept_seq_index" on "player_order" ("player_uuid", "accept_seq");`,
    );
    this.addSql(
      `create index "player_order_status_accept_seq_index" on "player_order" ("status", "accept_seq");`,
    );
    this.addSql(
      `alter table "player_order" add constraint "player_order_player_uuid_client_order_ref_id_unique" unique ("player_uuid", "client_order_ref_id");`,
    );
    this.addSql(
      `create table "promotion" ("code" varchar(128) not null, "loot_id" int not null, "definition" jsonb not null, "uses" int not null default 0, constraint "promotion_pkey" primary key ("code"));`,
    );
    this.addSql(
      `create table "vendor" ("id" int not null, "name" varchar(256) not null, "version" int not null default 1, "etag" varchar(64) not null, constraint "vendor_pkey" primary key ("id"));`,
    );
    this.addSql(`insert into "catalog_revision" ("id", "revision") values (1, 0);`);
  }
}
