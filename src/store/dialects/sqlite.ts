import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Driver, Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database.js';
import type { StoreDriver } from './dialect.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';
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
export interface SqliteOptions {
  /**
   * Checkpoint the WAL from a worker thread instead of in the commits that cross SQLite's threshold
   * (`rollcall start`; a short-lived CLI command keeps SQLite's own checkpoints).
   */
  readonly backgroundCheckpoints?: boolean;
}

/** After a checkpoint lets the WAL restart, SQLite truncates a WAL file larger than this. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openSqlite(file: string, options: SqliteOptions = {}): StoreDriver {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash may lose the last ones.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 32 MiB of page cache per connection: the inner pages of every index and the hottest leaves at
  // 1,000,000 users. Other pages come from the OS's file cache (a read call each), which is not the
  // server's RSS; 64 MiB added 30 to 50 MB to the server's RSS at 1,000,000 users for few more hits.
  sqlite.pragma('cache_size = -32768');
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const checkpointer =
    options.backgroundCheckpoints && file !== ':memory:' ? startCheckpointer(file) : undefined;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
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
    // The checkpointer's connection first: the last one to close checkpoints and removes the WAL.
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
