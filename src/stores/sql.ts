import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs hand-written SQL with real bind parameters, inside the EntityManager's transaction when it
 * has one. MikroORM's `em.execute` inlines every parameter into the SQL text, escaping it in
 * JavaScript; for the JSON documents the order engine writes that is measurable work (see
 * bench/README.md), and server-side binding is the safer habit anyway.
 */
export async function runSql<Rows extends object[] = Record<string, unknown>[]>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Rows> {
  const knex = em.getKnex();
  const raw = knex.raw(sql, params as unknown[]);
  const transaction = em.getTransactionContext<Parameters<typeof raw.transacting>[0]>();
  if (transaction) raw.transacting(transaction);
  const result = (await raw) as { rows: Rows };
  return result.rows;
}

/**
 * A list of strings as one PostgreSQL array parameter, for `= any(?::uuid[])` or `unnest(?::text[])`.
 * knex expands a JavaScript array binding into one parameter per element; an array literal stays
 * one parameter, and the planner sees its elements, so it looks each one up by key.
 */
export function sqlArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, (special) => `\\${special}`)}"`).join(',')}}`;
}
