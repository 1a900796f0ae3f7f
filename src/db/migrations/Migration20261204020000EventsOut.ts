import { Migration } from '@mikro-orm/migrations';

/** Events out: subscriptions, and each event's delivery (outbox and log). */
export class Migration20261204020000EventsOut extends Migration {
  override up(): void {
    this.addSql(
      `create table "subscription" ("subscription_id" uuid not null, "url" varchar(2048) not null, "events" jsonb not null, "secret" varchar(128) not null, "created_at" timestamptz not null default now(), constraint "subscription_pkey" primary key ("subscription_id"));`,
    );
    this.addSql(`alter table "subscription" add constraint "subscription_url_unique" unique ("url");`);
    this.addSql(
      `create table "event_delivery" ("delivery_id" bigserial primary key, "subscription_id" uuid not null, "player_uuid" uuid not null, "order_id" varchar(80) not null, "applied_seq" bigint not null, "event_type" varchar(32) not null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default clock_timestamp(), "last_status_code" int null, "last_error" text null, "created_at" timestamptz not null default clock_timestamp(), "delivered_at" timestamptz null);`,
    );
    this.addSql(
      `create index "event_delivery_pending_index" on "event_delivery" ("subscription_id", "player_uuid", "applied_seq", "delivery_id") where "status" = 'pending';`,
    );
  }

  /** Drops the subscriptions and every delivery with them. */
  override down(): void {
    this.addSql(`drop table if exists "event_delivery";`);
    this.addSql(`drop table if exists "subscription";`);
  }
}
