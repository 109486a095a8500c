import {
  CompiledQuery,
  type DatabaseIntrospector,
  type Driver,
  Kysely,
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { Database } from '../database.js';
import { PREPARED_MARK } from '../kysely/prepared-query.js';
import type { StoreDriver } from './dialect.js';
import { POSTGRES_TEXT_RULES, TextCheckingDriver } from './unstorable-text.js';

export interface PostgresOptions {
  /** Connections this process may hold; every node has its own pool (see docs/deployment.md). */
  readonly poolSize?: number;
  /** Called when an idle pooled connection fails (a restart or failover of the server). */
  readonly onIdleError?: (error: Error) => void;
  /**
   * Run the prepared queries (kysely/prepared-query.ts) as named statements (default true): parsed
   * and planned once per connection. Off for PgBouncer's transaction pooling (before 1.21), which
   * may send a statement to a server connection that never prepared it.
   */
  readonly preparedStatements?: boolean;
}

/**
 * A node-postgres client that sends the prepared queries (their SQL starts with a
 * `/* rollcall:name *\/` mark) as named statements. Only those: they are few (a bounded number per
 * connection, which node-postgres never deallocates) and select named columns, so a migration that
 * adds a column does not change their result type under a running node. Every other query stays
 * unnamed (parsed on each run).
 */
class NamedStatementClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this passes every call through.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined) {
      const mark = PREPARED_MARK.exec(config);
      if (mark) return super.query({ name: `rollcall_${mark[1]}`, text: config, values });
    }
    return super.query(config, values, callback);
  }
}

/**
 * Kysely's Postgres introspector lists every column of every schema in the database, and its
 * migrator only asks it whether the migration tables exist. Listing the tables of rollcall's schema
 * alone (without columns) keeps that quick however many schemas the database holds, and keeps it
 * from failing when another schema is dropped meanwhile ("schema … does not exist").
 */
class SchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  getSchemas() {
    return new PostgresIntrospector(this.db).getSchemas();
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; kind: string }>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return rows.map((r) => ({ schema: r.schema, name: r.name, isView: r.kind === 'v', columns: [] }));
  }

  async getMetadata() {
    return { tables: await this.getTables() };
  }
}

class RollcallPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaIntrospector(db);
  }

  // Text PostgreSQL cannot hold (a NUL) is the client's mistake: InvalidValueError, not a 500.
  override createDriver(): Driver {
    return new TextCheckingDriver(super.createDriver(), POSTGRES_TEXT_RULES);
  }
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
    // TCP keepalives find connections that died with a failed-over server instead of waiting on them.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'rollcall',
    ...(options.preparedStatements !== false && { Client: NamedStatementClient }),
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
  const db = new Kysely<Database>({
    dialect: new RollcallPostgresDialect({
      pool,
      // Postgres JIT-compiles a query whose estimated cost is high, and its estimates for the
      // filter compiler's jsonb functions and recursive CTEs are: a filter that runs in 1 ms spent
      // 0.5 to 2 s being compiled. rollcall's queries are short, so JIT never pays.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('set jit = off'));
      },
    }),
  });
  return {
    name: 'postgres',
    db,
    // 23505 unique_violation, e.g. two nodes inserting the same userName at once.
    isUniqueViolation: (error) =>
      typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
    close: () => db.destroy(),
  };
}
