import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import type { Scope } from '../ports.js';
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

/**
 * What a text search finds: users whose userName, displayName or an email starts with `text`, or
 * groups whose displayName does, case-insensitively. Each is a range of an index (user_emails
 * through its value index), so a search reads the matches, not the directory. `table` is how the
 * query names `users` or `groups`.
 */
export function textSearch(
  db: Kysely<Database>,
  dialect: DialectName,
  scope: Scope,
  resource: 'users' | 'groups',
  text: string,
  table: string = resource,
): Expression<SqlBool> {
  const name = startsWith(dialect, `${table}.display_name_key`, text);
  if (resource === 'groups') return name;
  const emails = db
    .selectFrom('user_emails')
    .select('user_emails.user_id')
    .where('user_emails.tenant_id', '=', scope.tenantId)
    .where('user_emails.directory_id', '=', scope.directoryId)
    .where(startsWith(dialect, 'user_emails.value_key', text));
  // PostgreSQL ORs index scans into one bitmap only when every arm is an index condition: the
  // emails' user ids as an array (computed once) are one, an IN subquery is not.
  const byEmail =
    dialect === 'postgres'
      ? sql<SqlBool>`${sql.ref(`${table}.id`)} = any(array(${emails}))`
      : sql<SqlBool>`${sql.ref(`${table}.id`)} in (${emails})`;
  return sql<SqlBool>`(${startsWith(dialect, `${table}.user_name_key`, text)} or ${name} or ${byEmail})`;
}
