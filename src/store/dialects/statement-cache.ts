import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Longer texts are multi-row inserts (a provisioning-log batch): big programs, rarely the same twice. */
const MAX_CACHED_SQL_LENGTH = 4096;

/**
 * better-sqlite3 for Kysely, keeping prepared statements. Kysely's SQLite driver calls `prepare`
 * for every query, and parsing and planning the SQL cost more than running it for the indexed
 * lookups SCIM makes (15% of the server's CPU in the lookup benchmark). Kysely compiles one query
 * shape to one SQL text, so the text is the key. Bounded, least recently used first out, and only
 * short texts: IN-lists and multi-row inserts of varying length make texts that are used once. A
 * statement still iterating (a streamed query) is not shared.
 */
export function withStatementCache(db: Database, capacity = 200): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      if (!cached && sql.length <= MAX_CACHED_SQL_LENGTH) {
        cache.set(sql, statement);
        if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}
