import { Migration } from '@mikro-orm/migrations';

/** Room for a platform's namespace before its event id (`steam:evt-1001`). */
export class Migration20261202000000OrderIdNamespaces extends Migration {
  override up(): void {
    this.addSql(`alter table "player_order" alter column "order_id" type varchar(80);`);
  }
}
