import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

export type Sql = RawBuilder<unknown>;
export type Bool = RawBuilder<SqlBool>;

/** A JSON value in SQL: how the dialect reads it, and its JSON type (SQL NULL when absent). */
export interface JsonSql {
  readonly value: Sql;
  readonly type: Sql;
}

export type OrderOperator = 'gt' | 'ge' | 'lt' | 'le';
const ORDER_SQL: Record<OrderOperator, Sql> = { gt: sql`>`, ge: sql`>=`, lt: sql`<`, le: sql`<=` };

/**
 * What the filter compiler writes differently per database: JSON access over the TEXT `data`
 * column and a few string functions. Everything else in the compiled SQL is common to both.
 * Every predicate returned here is TRUE or FALSE for a non-NULL subject, never NULL.
 */
export interface FilterDialect {
  readonly name: DialectName;
  /** The JSON document stored in a TEXT column. */
  document(column: Sql): Sql;
  /** The value at `keys` below `doc`; SQL NULL when a key is absent or `doc` is NULL. */
  member(doc: Sql, keys: readonly string[]): JsonSql;
  /** `value` as a document `member` can navigate into when it is an object, else NULL. */
  objectDoc(value: JsonSql): Sql;
  /** `ifObject` when `value` is a JSON object, else `otherwise`. */
  whenObject(value: JsonSql, ifObject: JsonSql, otherwise: JsonSql): JsonSql;
  /**
   * A FROM item over what is at `keys`: an array's elements in order, any other value as a single
   * element, nothing when absent or null (the evaluator's `Array.isArray(v) ? v : [v]`).
   */
  elements(doc: Sql, keys: readonly string[], alias: string): { from: Sql; element: JsonSql; ordinal: Sql };
  /** A FROM item over the keys of a JSON object. */
  keys(doc: Sql, alias: string): { from: Sql; key: Sql };
  isString(value: JsonSql): Bool;
  /** The string itself; only meaningful where `isString` holds. */
  text(value: JsonSql): Sql;
  isNumber(value: JsonSql): Bool;
  number(value: JsonSql): Sql;
  isBoolean(value: JsonSql, expected: boolean): Bool;
  /** The evaluator's `isPresent`: not null, not "", a non-empty array, or an object with a present member at any depth. */
  isPresent(value: JsonSql, alias: string): Bool;
  contains(text: Sql, part: string): Bool;
  startsWith(text: Sql, prefix: string): Bool;
  endsWith(text: Sql, suffix: string): Bool;
  /** Ordering by code point, as JavaScript's `<` orders the strings the evaluator compares. */
  order(text: Sql, op: OrderOperator, literal: string): Bool;
  /** A string constant typed as text, so `constant = ?` needs no type inference. */
  constant(value: string): Sql;
  /** A text sort key ordered by code point like `order`, whatever the database's collation. */
  sortText(text: Sql): Sql;
}

/** SQLite path syntax; labels are JSON-escaped because SQLite matches them against the raw key text. */
function sqlitePath(keys: readonly string[]): string {
  return `$${keys.map((k) => `.${JSON.stringify(k)}`).join('')}`;
}

const sqlite: FilterDialect = {
  name: 'sqlite',
  document: (column) => column,
  member: (doc, keys) => {
    const path = sqlitePath(keys);
    return { value: sql`json_extract(${doc}, ${path})`, type: sql`json_type(${doc}, ${path})` };
  },
  objectDoc: (v) => sql`(case when ${v.type} = 'object' then ${v.value} end)`,
  whenObject: (v, a, b) => ({
    value: sql`(case when ${v.type} = 'object' then ${a.value} else ${b.value} end)`,
    type: sql`(case when ${v.type} = 'object' then ${a.type} else ${b.type} end)`,
  }),
  elements: (doc, keys, alias) => {
    const path = sqlitePath(keys);
    const at = sql.id(alias);
    // json_each over an object would walk its members, so anything but an array is wrapped in one.
    const array = sql`(case coalesce(json_type(${doc}, ${path}), 'null') when 'array' then json_extract(${doc}, ${path}) when 'null' then '[]' else json_array(${doc} -> ${path}) end)`;
    return {
      from: sql`json_each(${array}) as ${at}`,
      element: { value: sql`${at}.value`, type: sql`${at}.type` },
      ordinal: sql`${at}.key`,
    };
  },
  keys: (doc, alias) => ({
    from: sql`json_each(${doc}) as ${sql.id(alias)}`,
    key: sql`${sql.id(alias)}.key`,
  }),
  isString: (v) => sql<SqlBool>`coalesce(${v.type} = 'text', false)`,
  text: (v) => v.value,
  isNumber: (v) => sql<SqlBool>`coalesce(${v.type} in ('integer', 'real'), false)`,
  number: (v) => v.value,
  // JSON true/false come back from json_extract as 1/0, so only the type tells them from numbers.
  isBoolean: (v, expected) =>
    sql<SqlBool>`coalesce(${v.type} = ${sql.lit(expected ? 'true' : 'false')}, false)`,
  isPresent: (v, alias) => {
    const n = sql.id(alias);
    const c = sql.id(`${alias}c`);
    const descendants = sql`with recursive ${n}(value, type) as (select value, type from json_each(${v.value}) union all select ${c}.value, ${c}.type from ${n}, json_each(case when ${n}.type = 'object' then ${n}.value else '{}' end) as ${c})`;
    return sql<SqlBool>`(case ${v.type} when 'text' then ${v.value} <> '' when 'array' then json_array_length(${v.value}) > 0 when 'null' then false when 'object' then exists (${descendants} select 1 from ${n} where ${n}.type in ('integer', 'real', 'true', 'false') or (${n}.type = 'text' and ${n}.value <> '') or (${n}.type = 'array' and json_array_length(${n}.value) > 0)) else ${v.type} is not null end)`;
  },
  // LIKE is ASCII case-insensitive in SQLite and a shared connection cannot switch that off.
  contains: (t, part) => sql<SqlBool>`instr(${t}, ${part}) > 0`,
  startsWith: (t, prefix) => sql<SqlBool>`substr(${t}, 1, length(${prefix})) = ${prefix}`,
  endsWith: (t, suffix) => sql<SqlBool>`substr(${t}, -length(${suffix})) = ${suffix}`,
  order: (t, op, literal) => sql<SqlBool>`${t} ${ORDER_SQL[op]} ${literal}`,
  constant: (value) => sql`cast(${value} as text)`,
  sortText: (t) => t,
};

/** Parameters are cast because Postgres cannot infer a type for `jsonb -> $1` or `length($1)`. */
const text = (value: string) => sql`cast(${value} as text)`;

function pgJson(value: Sql): JsonSql {
  return { value, type: sql`jsonb_typeof(${value})` };
}

function pgMember(doc: Sql, keys: readonly string[]): Sql {
  return keys.reduce<Sql>((acc, key) => sql`(${acc} -> ${text(key)})`, doc);
}

const postgres: FilterDialect = {
  name: 'postgres',
  document: (column) => sql`cast(${column} as jsonb)`,
  member: (doc, keys) => pgJson(pgMember(doc, keys)),
  objectDoc: (v) => sql`(case when ${v.type} = 'object' then ${v.value} end)`,
  whenObject: (v, a, b) => pgJson(sql`(case when ${v.type} = 'object' then ${a.value} else ${b.value} end)`),
  elements: (doc, keys, alias) => {
    const x = pgMember(doc, keys);
    const at = sql.id(alias);
    const array = sql`(case when ${x} is null or jsonb_typeof(${x}) = 'null' then '[]'::jsonb when jsonb_typeof(${x}) = 'array' then ${x} else jsonb_build_array(${x}) end)`;
    return {
      from: sql`jsonb_array_elements(${array}) with ordinality as ${at}(value, ordinal)`,
      element: pgJson(sql`${at}.value`),
      ordinal: sql`${at}.ordinal`,
    };
  },
  keys: (doc, alias) => ({
    from: sql`jsonb_object_keys(${doc}) as ${sql.id(alias)}(key)`,
    key: sql`${sql.id(alias)}.key`,
  }),
  isString: (v) => sql<SqlBool>`coalesce(${v.type} = 'string', false)`,
  text: (v) => sql`(${v.value} #>> '{}')`,
  isNumber: (v) => sql<SqlBool>`coalesce(${v.type} = 'number', false)`,
  number: (v) => sql`(case when ${v.type} = 'number' then cast(${v.value} #>> '{}' as numeric) end)`,
  isBoolean: (v, expected) =>
    sql<SqlBool>`coalesce(${v.value} = ${sql.lit(expected ? 'true' : 'false')}::jsonb, false)`,
  isPresent: (v, alias) => {
    const n = sql.id(alias);
    const c = sql.id(`${alias}c`);
    const descendants = sql`with recursive ${n}(value) as (select value from jsonb_each(${v.value}) union all select ${c}.value from ${n}, jsonb_each(case when jsonb_typeof(${n}.value) = 'object' then ${n}.value else '{}'::jsonb end) as ${c})`;
    return sql<SqlBool>`(case ${v.type} when 'string' then (${v.value} #>> '{}') <> '' when 'array' then jsonb_array_length(${v.value}) > 0 when 'null' then false when 'object' then exists (${descendants} select 1 from ${n} where jsonb_typeof(${n}.value) in ('number', 'boolean') or (jsonb_typeof(${n}.value) = 'string' and (${n}.value #>> '{}') <> '') or (jsonb_typeof(${n}.value) = 'array' and jsonb_array_length(${n}.value) > 0)) else ${v.type} is not null end)`;
  },
  contains: (t, part) => sql<SqlBool>`strpos(${t}, ${text(part)}) > 0`,
  startsWith: (t, prefix) => sql<SqlBool>`starts_with(${t}, ${text(prefix)})`,
  endsWith: (t, suffix) => sql<SqlBool>`right(${t}, char_length(${text(suffix)})) = ${text(suffix)}`,
  // The database collation may order "a" < "B"; the evaluator orders by code unit, as "C" does.
  order: (t, op, literal) => sql<SqlBool>`${t} collate "C" ${ORDER_SQL[op]} ${text(literal)}`,
  constant: text,
  sortText: (t) => sql`(${t} collate "C")`,
};

export function filterDialect(name: DialectName): FilterDialect {
  return name === 'sqlite' ? sqlite : postgres;
}
