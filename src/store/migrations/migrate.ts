import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { StoreDriver } from '../dialects/dialect.js';
import { init } from './0001-init.js';

function provider(driver: StoreDriver): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { '0001-init': init(driver.name) };
    },
  };
}

/** Brings the schema up to date; throws if the database has migrations this build does not know. */
export async function migrateToLatest(driver: StoreDriver): Promise<void> {
  const migrator = new Migrator({ db: driver.db, provider: provider(driver) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `Database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
