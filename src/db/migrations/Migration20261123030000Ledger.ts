import { Migration } from '@mikro-orm/migrations';

/** Promotion claims and failures, transient-single fills, fulfilled platform transactions. */
export class Migration20261123030000Ledger extends Migration {
  override up(): void {
    this.addSql(
      `create table "fulfilled_entitlement" ("bucket" varchar(32) not null, "external_tran_id" varchar(256) not null, "player_uuid" uuid not null, "fulfilled_at" timestamptz not null default clock_timestamp(), constraint "fulfilled_entitlement_pkey" primary key ("bucket", "external_tran_id"));`,
    );
    this.addSql(
      `create table "promotion_claim" ("player_uuid" uuid not null, "code" varchar(128) not null, "claims" int not null, constraint "promotion_claim_pkey" primary key ("player_uuid", "code"));`,
    );
    this.addSql(
      `create table "promotion_failure" ("id" bigserial primary key, "player_uuid" uuid not null, "code" varchar(256) not null, "failed_at" timestamptz not null default clock_timestamp());`,
    );
    this.addSql(
      `create index "promotion_failure_player_uuid_failed_at_index" on "promotion_failure" ("player_uuid", "failed_at");`,
    );
    this.addSql(
      `create table "transient_single_fill" ("player_uuid" uuid not null, "loot_id" int not null, "match_id" varchar(256) not null, constraint "transient_single_fill_pkey" primary key ("player_uuid", "loot_id", "match_id"));`,
    );
  }
}
