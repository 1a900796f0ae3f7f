import { createHash } from 'node:crypto';
import { runSql } from './sql.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { stringify } from 'safe-stable-stringify';
import {
  catalogDocument,
  findCatalogProblems,
  indexCatalog,
  type Catalog,
  type CatalogDocument,
  type CatalogProblem,
  type CatalogUpdate,
  type Item,
  type Loot,
  type Promotion,
  type Vendor,
} from '../domain/catalog.js';

async function readRevision(em: EntityManager, forUpdate = false): Promise<number> {
  const rows = await runSql<{ revision: number }[]>(
    em,
    `select revision from catalog_revision where id = 1${forUpdate ? ' for update' : ''}`,
  );
  return rows[0]?.revision ?? 0;
}

/** The whole catalog in one statement, so it is one consistent snapshot even while a PUT commits. */
export async function loadCatalog(em: EntityManager): Promise<Catalog> {
  const [row] = await runSql<
    { revision: number; items: Item[]; vendors: Vendor[]; loot: Loot[]; promotions: Promotion[] }[]
  >(
    em,
    `select coalesce((select revision from catalog_revision where id = 1), 0) as revision,
            coalesce((select json_agg(definition order by id) from catalog_item), '[]') as items,
            coalesce((select json_agg(json_build_object('id', id, 'name', name, 'version', version, 'etag', etag)
                                      order by id) from vendor), '[]') as vendors,
            coalesce((select json_agg(definition order by id) from catalog_loot), '[]') as loot,
            coalesce((select json_agg(definition order by code) from promotion), '[]') as promotions`,
  );
  return indexCatalog(row!.revision, row!);
}

/**
 * Keeps the catalog in memory and reloads it only when its revision moves, so an order costs one
 * tiny read of the catalog, not a read of the whole of it.
 */
export class CatalogCache {
  private current: Catalog | null = null;

  async get(em: EntityManager): Promise<Catalog> {
    return this.atRevision(em, await readRevision(em));
  }

  /** The catalog as of `revision`, read again only when the cached copy is older. */
  async atRevision(em: EntityManager, revision: number): Promise<Catalog> {
    if (this.current?.revision !== revision) this.current = await loadCatalog(em);
    return this.current;
  }
}

function vendorEtag(version: number, vendor: Pick<Vendor, 'id' | 'name'>, loot: Loot[]): string {
  const content = stringify({ version, vendor: { id: vendor.id, name: vendor.name }, loot }) ?? '';
  return createHash('sha256').update(content).digest('base64url').slice(0, 32);
}

/**
 * Upserts the catalog by id (what is not named stays as it is), validated against the catalog it
 * would produce. A vendor's version and etag move whenever the vendor or any of its loot changes,
 * so a client holding an old price list is refused rather than charged the wrong price.
 */
export async function updateCatalog(
  em: EntityManager,
  update: CatalogUpdate,
): Promise<{ problems: CatalogProblem[] } | { catalog: CatalogDocument }> {
  return em.transactional(async (tx) => {
    const revision = await readRevision(tx, true);
    const current = await loadCatalog(tx);
    const merged = indexCatalog(revision + 1, {
      items: mergeById(current.items, update.items ?? [], (item) => item.id),
      vendors: mergeById(
        current.vendors,
        (update.vendors ?? []).map((vendor) => ({
          id: vendor.id,
          name: vendor.name,
          version: current.vendors.get(vendor.id)?.version ?? 0,
          etag: current.vendors.get(vendor.id)?.etag ?? '',
        })),
        (vendor) => vendor.id,
      ),
      loot: mergeById(current.loot, update.loot ?? [], (loot) => loot.id),
      promotions: mergeById(current.promotions, update.promotions ?? [], (promotion) => promotion.code),
    });
    const problems = findCatalogProblems(update, merged);
    if (problems.length > 0) return { problems };
    // A write of what is already there changes nothing: no revision, no vendor version, no etag.
    if (stringify(catalogDocument(merged)) === stringify(catalogDocument(current))) {
      return { catalog: catalogDocument(current) };
    }

    for (const vendor of merged.vendors.values()) {
      const vendorLoot = [...merged.loot.values()].filter((loot) => loot.vendor_id === vendor.id);
      const before = current.vendors.get(vendor.id);
      const unchanged =
        before &&
        before.name === vendor.name &&
        stringify(vendorLoot) ===
          stringify([...current.loot.values()].filter((loot) => loot.vendor_id === vendor.id));
      if (unchanged) continue;
      vendor.version = (before?.version ?? 0) + 1;
      vendor.etag = vendorEtag(vendor.version, vendor, vendorLoot);
    }

    await upsertDefinitions(tx, 'catalog_item', 'id', update.items ?? []);
    await upsertDefinitions(tx, 'catalog_loot', 'id', update.loot ?? []);
    await upsertDefinitions(tx, 'promotion', 'code', update.promotions ?? []);
    const vendors = [...merged.vendors.values()];
    if (vendors.length > 0) {
      await runSql(
        tx,
        `insert into vendor (id, name, version, etag)
         select v.id, v.name, v.version, v.etag from jsonb_to_recordset(?::jsonb) as v(id int, name text, version int, etag text)
         on conflict (id) do update set name = excluded.name, version = excluded.version, etag = excluded.etag
         where (vendor.name, vendor.version, vendor.etag) is distinct from (excluded.name, excluded.version, excluded.etag)`,
        [JSON.stringify(vendors)],
      );
    }
    await runSql(tx, 'update catalog_revision set revision = revision + 1 where id = 1');
    return { catalog: catalogDocument(merged) };
  });
}

function mergeById<K, T>(current: Map<K, T>, updates: T[], keyOf: (value: T) => K): T[] {
  const merged = new Map(current);
  for (const value of updates) merged.set(keyOf(value), value);
  return [...merged.values()];
}

async function upsertDefinitions<T extends { id: number } | { code: string; loot_id: number }>(
  em: EntityManager,
  table: 'catalog_item' | 'catalog_loot' | 'promotion',
  key: 'id' | 'code',
  definitions: T[],
): Promise<void> {
  if (definitions.length === 0) return;
  const extra =
    table === 'catalog_loot'
      ? { column: 'vendor_id', type: 'int', of: (d: T) => (d as unknown as Loot).vendor_id }
      : table === 'promotion'
        ? { column: 'loot_id', type: 'int', of: (d: T) => (d as unknown as Promotion).loot_id }
        : null;
  const rows = definitions.map((definition) => ({
    key: (definition as Record<string, unknown>)[key],
    extra: extra?.of(definition) ?? null,
    definition,
  }));
  const keyType = key === 'id' ? 'int' : 'text';
  const extraColumn = extra ? `, ${extra.column}` : '';
  const extraValue = extra ? `, r.extra::${extra.type}` : '';
  const extraUpdate = extra ? `, ${extra.column} = excluded.${extra.column}` : '';
  await runSql(
    em,
    `insert into ${table} (${key}, definition${extraColumn})
     select r.key::${keyType}, r.definition${extraValue}
       from jsonb_to_recordset(?::jsonb) as r(key text, extra text, definition jsonb)
     on conflict (${key}) do update set definition = excluded.definition${extraUpdate}`,
    [JSON.stringify(rows)],
  );
}
