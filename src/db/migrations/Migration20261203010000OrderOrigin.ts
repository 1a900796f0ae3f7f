import { Migration } from '@mikro-orm/migrations';

/**
 * Each order names the compatible-API call that made it (for that API's transaction history), and
 * once final the ETag of each collection it named (what a PlayFab write answers).
 */
export class Migration20261203010000OrderOrigin extends Migration {
  override up(): void {
    this.addSql(
      `alter table "player_order" add column "origin" varchar(64) null, add column "collection_etags" jsonb null;`,
    );
  }
}
