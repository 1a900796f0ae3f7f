import { Migration } from '@mikro-orm/migrations';

/** Refunds: the order a refund compensates (at most one refund each), and revoked platform transactions. */
export class Migration20261204010000Refunds extends Migration {
  override up(): void {
    this.addSql(`alter table "player_order" add column "refund_of" varchar(80) null;`);
    this.addSql(
      `create unique index "player_order_refund_of_index" on "player_order" ("refund_of") where "refund_of" is not null;`,
    );
    this.addSql(`alter table "fulfilled_entitlement" add column "revoked_at" timestamptz null;`);
  }

  /** Forgets which orders were refunds and which transactions were revoked (refund orders stay, as plain orders). */
  override down(): void {
    this.addSql(`alter table "fulfilled_entitlement" drop column "revoked_at";`);
    this.addSql(`drop index "player_order_refund_of_index";`);
    this.addSql(`alter table "player_order" drop column "refund_of";`);
  }
}
