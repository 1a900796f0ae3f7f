import { Migration } from '@mikro-orm/migrations';

/** LootLocker server sessions: a token lives while it is used (ping extends it), so it is state. */
export class Migration20261203030000LootLockerSessions extends Migration {
  override up(): void {
    this.addSql(
      `create table "loot_locker_session" ("token_digest" varchar(64) not null, "expires_at" timestamptz not null, constraint "loot_locker_session_pkey" primary key ("token_digest"));`,
    );
  }
}
