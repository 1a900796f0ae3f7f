import { Migration } from '@mikro-orm/migrations';

/**
 * Room in `ref_scope` for `released:<accept_seq>`: an order whose idempotency key outlived its
 * lifetime (PlayFab's IdempotencyId, 14 days) leaves the scope its key was unique in.
 */
export class Migration20261203020000ReleasedKeys extends Migration {
  override up(): void {
    this.addSql(`alter table "player_order" alter column "ref_scope" type varchar(32);`);
  }
}
