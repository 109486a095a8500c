import type { Kysely } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * Schema v10, console hardening: the failed operator sign-ins each key (operator and address, or
 * address alone) had in its current window, in the database so that the throttle holds across
 * nodes. Keys are stored as SHA-256: what was typed as an email is sometimes a password.
 */
export function consoleHardening(_dialect: DialectName) {
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
    },
  };
}
