import { Migration } from '@mikro-orm/migrations';

/**
 * Collections and stacks (PlayFab's model, for every caller): each record is in a collection and a
 * stack, both `default` for every record stored before; a stack carries display properties and may
 * be kept at 0. Catalog definitions stored before gain the new fields' defaults, so a stored
 * definition is always complete.
 */
export class Migration20261203000000CollectionsAndStacks extends Migration {
  override up(): void {
    this.addSql(
      `alter table "inventory_record" add column "collection_id" varchar(75) not null default 'default', add column "stack_id" varchar(128) not null default 'default', add column "display_properties" jsonb null;`,
    );
    this.addSql(`alter table "inventory_record" drop constraint "inventory_record_count_check";`);
    this.addSql(
      `alter table "inventory_record" add constraint inventory_record_count_check check (count >= 0 and count <= 2147483647);`,
    );
    this.addSql(
      `update "catalog_item" set "definition" = '{"friendly_id": null, "currency": false}'::jsonb || "definition";`,
    );
    this.addSql(`update "catalog_loot" set "definition" = '{"friendly_id": null}'::jsonb || "definition";`);
  }
}
