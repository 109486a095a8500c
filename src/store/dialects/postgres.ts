import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import type { StoreDriver } from './dialect.js';

export interface PostgresOptions {
  /** Connections this process may hold; every node has its own pool (see docs/deployment.md). */
  readonly poolSize?: number;
  /** Called when an idle pooled connection fails (a restart or failover of the server). */
  readonly onIdleError?: (error: Error) => void;
}

/** pg type id of int8 (bigint): seq columns and count(*). */
const INT8 = 20;

/**
 * Opens a pool on a PostgreSQL URL. Tables go into the first schema of the connection's
 * search_path (`?options=-c%20search_path%3Dname` in the URL picks one).
 */
export function openPostgres(url: string, options: PostgresOptions = {}): StoreDriver {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A query waits this long for a free connection, then fails instead of queueing forever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // Finds connections that died with a failed-over server instead of waiting on them.
    keepAlive: true,
    application_name: 'rollcall',
    types: {
      // pg returns bigint as a string; seq and counts stay far below 2^53, so read them as the
      // numbers better-sqlite3 returns.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener, an idle connection's error (server restart, failover) would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    name: 'postgres',
    db,
    // 23505 unique_violation, e.g. two nodes inserting the same userName at once.
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
    close: () => db.destroy(),
  };
}
