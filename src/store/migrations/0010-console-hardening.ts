import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/** Tenants whose name key is filled in per statement of the backfill. */
const BACKFILL_BATCH = 500;

/**
 * Schema v10, console hardening: the failed operator sign-ins each key (operator and address, or
 * address alone) had in its current window, in the database so that the throttle holds across
 * nodes (keys stored as SHA-256: what was typed as an email is sometimes a password); and each
 * tenant's name lowercased, with an index, so that the tenants page finds tenants by a name prefix
 * in an index range. On PostgreSQL the key is collated "C": a prefix's range is then a range of code
 * points, whatever the database's collation.
 */
export function consoleHardening(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('console_sign_in_failures')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .execute();
      // The maintenance job deletes windows that are over.
      await db.schema
        .createIndex('console_sign_in_failures_window')
        .on('console_sign_in_failures')
        .column('window_started_at')
        .execute();

      await db.schema
        .alterTable('tenants')
        .addColumn('name_key', dialect === 'postgres' ? sql`text collate "C"` : 'text', (c) =>
          c.notNull().defaultTo(''),
        )
        .execute();
      // Lowercased as the application does it (tenantNameKey; SQLite's lower() knows ASCII only),
      // a batch at a time.
      const tenants = db as Kysely<{ tenants: { id: string; name: string; name_key: string } }>;
      let after = '';
      for (;;) {
        const rows = await tenants
          .selectFrom('tenants')
          .select(['id', 'name'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(BACKFILL_BATCH)
          .execute();
        for (const row of rows)
          await tenants
            .updateTable('tenants')
            .set({ name_key: row.name.trim().toLowerCase() })
            .where('id', '=', row.id)
            .execute();
        if (rows.length < BACKFILL_BATCH) break;
        after = rows.at(-1)!.id;
      }
      await db.schema.createIndex('tenants_name_key').on('tenants').columns(['name_key', 'slug']).execute();
    },
  };
}
