import { Migration } from '@mikro-orm/migrations';

/** LootLocker wallets: one per holder, made on first use; the balances are the player's currency stacks. */
export class Migration20261203040000LootLockerWallets extends Migration {
  override up(): void {
    this.addSql(
      `create table "loot_locker_wallet" ("wallet_id" uuid not null, "holder_id" varchar(64) not null, "holder_type" varchar(16) not null, "player_uuid" uuid not null, "created_at" timestamptz not null default now(), constraint "loot_locker_wallet_pkey" primary key ("wallet_id"));`,
    );
    this.addSql(
      `alter table "loot_locker_wallet" add constraint "loot_locker_wallet_holder_id_unique" unique ("holder_id");`,
    );
  }
}
