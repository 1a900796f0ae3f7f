import { Migration } from '@mikro-orm/migrations';

/** Each order names the compatible-API call that made it, for that API's transaction history. */
export class Migration20261203010000OrderOrigin extends Migration {
  override up(): void {
    this.addSql(`alter table "player_order" add column "origin" varchar(64) null;`);
  }
}
