import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';
import { foldCase } from './resource-rows.js';

/**
 * The keys that start with a prefix, as a range an index on the key serves: `key >= prefix and key <
 * next`, where `next` is the prefix with its last code point one higher. In code-point order every
 * key in that range starts with the prefix. SQLite's BINARY collation is that order; on PostgreSQL
 * the key is compared in the "C" collation, like the prefix indexes of 0011-console-scale.
 */
export function startsWith(dialect: DialectName, key: string, text: string): Expression<SqlBool> {
  const prefix = foldCase(text);
  const column: RawBuilder<string> =
    dialect === 'postgres' ? sql<string>`(${sql.ref(key)} collate "C")` : sql<string>`${sql.ref(key)}`;
  const next = nextPrefix(prefix);
  return next === undefined
    ? sql<SqlBool>`${column} >= ${prefix}`
    : sql<SqlBool>`(${column} >= ${prefix} and ${column} < ${next})`;
}

/** The smallest string above every string that starts with `prefix`; undefined when there is none. */
export function nextPrefix(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      // Surrogate code points are not characters: the one after U+D7FF is U+E000.
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}
