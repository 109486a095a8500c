import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Database } from '../database.js';
import type { StoreDriver } from '../dialects/dialect.js';
import { init } from './0001-init.js';
import { apiKeys } from './0002-api-keys.js';
import { lifecycle } from './0003-lifecycle.js';
import { performanceTuning } from './0004-performance.js';
import { sso } from './0006-sso.js';
import { consoleSchema } from './0007-console.js';
import { oidc } from './0008-oidc.js';
import { consoleScale } from './0011-console-scale.js';

function provider(driver: StoreDriver): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-init': init(driver.name),
        '0002-api-keys': apiKeys(driver.name),
        '0003-lifecycle': lifecycle(driver.name),
        '0004-performance': performanceTuning(driver.name),
        '0006-sso': sso(driver.name),
        '0007-console': consoleSchema(driver.name),
        '0008-oidc': oidc(driver.name),
        '0011-console-scale': consoleScale(driver.name),
      };
    },
  };
}

/** Where the database's schema stands against the migrations this build knows. */
export interface SchemaStatus {
  /** Known migrations the database has run. */
  readonly applied: readonly string[];
  /** Known migrations the database has not run yet. */
  readonly pending: readonly string[];
  /** Migrations the database has run that this build does not know: a newer rollcall migrated it. */
  readonly unknown: readonly string[];
}

/** The schema does not fit this build: newer than it knows, or (when verifying) not migrated yet. */
export class SchemaVersionError extends Error {}

const MIGRATION_TABLE = 'kysely_migration';

/**
 * Postgres: the schema rollcall's tables are in (the first existing one of the search_path).
 * Named explicitly, because Kysely would otherwise take a kysely_migration table in any schema of
 * the database for rollcall's own.
 */
async function migrationSchema(driver: StoreDriver): Promise<string | undefined> {
  if (driver.name !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(driver.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("The PostgreSQL search_path names no existing schema for rollcall's tables");
  return schema;
}

async function executedMigrations(driver: StoreDriver): Promise<string[]> {
  const schema = await migrationSchema(driver);
  const table = schema === undefined ? MIGRATION_TABLE : `${schema}.${MIGRATION_TABLE}`;
  const exists =
    schema === undefined
      ? sql`select 1 as found from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`
      : sql`select 1 as found from pg_catalog.pg_tables where schemaname = ${schema} and tablename = ${MIGRATION_TABLE}`;
  if ((await exists.execute(driver.db)).rows.length === 0) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(driver.db);
  return rows.map((r) => r.name);
}

/** Compares the migrations the database has run with the ones this build knows (two small queries). */
export async function schemaStatus(driver: StoreDriver): Promise<SchemaStatus> {
  const known = Object.keys(await provider(driver).getMigrations()).sort();
  const executed = new Set(await executedMigrations(driver));
  return {
    applied: known.filter((name) => executed.has(name)),
    pending: known.filter((name) => !executed.has(name)),
    unknown: [...executed].filter((name) => !known.includes(name)).sort(),
  };
}

function refuseNewerSchema(status: SchemaStatus): void {
  if (status.unknown.length > 0)
    throw new SchemaVersionError(
      `The database schema is newer than this rollcall: it has migrations ${status.unknown.join(', ')} that this version does not know. Run the rollcall version that migrated it, or a later one.`,
    );
}

/** Refuses a schema that is newer than this build or not fully migrated; changes nothing. */
export async function verifySchema(driver: StoreDriver): Promise<void> {
  const status = await schemaStatus(driver);
  refuseNewerSchema(status);
  if (status.pending.length > 0)
    throw new SchemaVersionError(
      `The database schema is behind this rollcall (pending: ${status.pending.join(', ')}); run "rollcall migrate" first`,
    );
}

/**
 * Brings the schema up to date and returns the migrations it ran; throws if the database has
 * migrations this build does not know. Kysely holds a lock meanwhile (an advisory lock on
 * Postgres), so nodes starting together migrate once.
 */
export async function migrateToLatest(driver: StoreDriver): Promise<string[]> {
  refuseNewerSchema(await schemaStatus(driver));
  const schema = await migrationSchema(driver);
  const migrate = (db: Kysely<Database>) =>
    new Migrator({
      db,
      provider: provider(driver),
      ...(schema !== undefined && { migrationTableSchema: schema }),
    }).migrateToLatest();
  // Kysely takes no lock on SQLite (it assumes one process): the write lock, taken up front, makes a
  // CLI command and a server starting together on a new data folder migrate one after the other, and
  // a migration all or nothing.
  const { error, results } =
    driver.name === 'sqlite'
      ? await driver.db.connection().execute(async (db) => {
          await sql`begin immediate`.execute(db);
          try {
            const outcome = await migrate(db);
            await sql.raw(outcome.error ? 'rollback' : 'commit').execute(db);
            return outcome;
          } catch (error) {
            await sql`rollback`.execute(db);
            throw error;
          }
        })
      : await migrate(driver.db);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `Database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
