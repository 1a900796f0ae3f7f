import { Migration } from '@mikro-orm/migrations';

/**
 * A player's queued orders, by accept order, in an index of queued orders only. A worker reads them
 * in every group; through the (status, accept_seq) index that read grew with every order applied
 * since the last vacuum, whatever its player (a finished order's old `queued` entry stays behind
 * until then). Here it reads one player's few entries and stops.
 */
export class Migration20261202030000QueuedIndex extends Migration {
  override up(): void {
    this.addSql(
      `create index "player_order_queued_index" on "player_order" ("player_uuid", "accept_seq") where "status" = 'queued';`,
    );
  }
}
