import type { EntityManager } from '@mikro-orm/postgresql';

export interface SqlOptions {
  /**
   * Run as a named prepared statement: PostgreSQL parses and analyzes the text once per pooled
   * connection instead of at every run, which was about a fifth of its CPU on the worker's path
   * (bench/README.md). It still plans every run for the parameters given (`plan_cache_mode` is
   * `force_custom_plan` on every connection, src/db/orm.ts), so plans are what they would be
   * unprepared. Only for SQL whose text never varies: each text stays prepared on every connection.
   */
  prepared?: boolean;
}

/** One name per statement text, the same in the whole process, as pg requires on each connection. */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `armory_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

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
  { prepared = false }: SqlOptions = {},
): Promise<Rows> {
  const knex = em.getKnex();
  const raw = knex.raw(sql, params as unknown[]);
  // knex hands these options to pg, for which a `name` makes the query a named prepared statement.
  if (prepared) raw.options({ name: statementName(sql) });
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
