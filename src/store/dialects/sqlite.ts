import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Driver, Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database.js';
import type { StoreDriver } from './dialect.js';
import { withStatementCache } from './statement-cache.js';
import { SQLITE_TEXT_RULES, TextCheckingDriver } from './unstorable-text.js';

/** SQLite, refusing text PostgreSQL could not store, so both stores answer alike (unstorable-text.ts). */
class RollcallSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new TextCheckingDriver(super.createDriver(), SQLITE_TEXT_RULES);
  }
}

/**
 * Opens the embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so
 * Kysely serialises queries on the one connection; a transaction holds it until it ends.
 */
export function openSqlite(file: string): StoreDriver {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash may lose the last ones.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // CLI commands and a running server may share the file; keep page cache modest.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({
    dialect: new RollcallSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    name: 'sqlite',
    db,
    isUniqueViolation: (error) =>
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
    close: () => db.destroy(),
  };
}
