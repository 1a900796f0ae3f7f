import { Migration } from '@mikro-orm/migrations';

/**
 * `client_order_ref_id` unique per player within each kind of submitter (server, client, platform),
 * so that a player cannot take a reference a game server will send. Orders stored before were
 * submitted by players when their source is CLIENT; the rest are counted as the server's.
 */
export class Migration20261202020000RefScope extends Migration {
  override up(): void {
    this.addSql(`alter table "player_order" add column "ref_scope" varchar(16) not null default 'server';`);
    this.addSql(
      `update "player_order" set "ref_scope" = 'client' where "source" = 'CLIENT' and "client_order_ref_id" is not null;`,
    );
    this.addSql(
      `alter table "player_order" drop constraint "player_order_player_uuid_client_order_ref_id_unique";`,
    );
    this.addSql(
      `alter table "player_order" add constraint "player_order_player_uuid_ref_scope_client_order_ref_id_unique" unique ("player_uuid", "ref_scope", "client_order_ref_id");`,
    );
  }
}
