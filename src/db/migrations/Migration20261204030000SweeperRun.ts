import { Migration } from '@mikro-orm/migrations';

/** When the fleet's sweeper last started a round: one round per interval, whatever the worker count. */
export class Migration20261204030000SweeperRun extends Migration {
  override up(): void {
    this.addSql(
      `create table "sweeper_run" ("name" varchar(32) not null, "started_at" timestamptz not null, constraint "sweeper_run_pkey" primary key ("name"));`,
    );
  }

  /** Drops the record of the last round; the next one starts at once. */
  override down(): void {
    this.addSql(`drop table if exists "sweeper_run";`);
  }
}
