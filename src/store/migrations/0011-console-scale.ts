import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import { parseData } from '../kysely/json.js';
import { roleRows } from '../kysely/resource-rows.js';
import { writePlannerStatistics } from './0004-performance.js';

/** Users read per query while the role index is filled. */
const BACKFILL_BATCH = 1000;

/**
 * Schema v11, the console on large directories: every page it shows reads an index, never a whole
 * directory.
 * - `user_roles`: each live user's assigned roles, so the role filter finds their holders on
 *   (tenant_id, directory_id, role_key, user_id) instead of reading every user's JSON. Filled here
 *   from the users stored so far; the user repository keeps it in the transaction of every write.
 * - `users_active_order`: the status filter walks the active (or inactive) users in paging order.
 * - PostgreSQL: the search matches the start of a key; a range on a `*_key` column serves it only
 *   under code-point order, so these indexes are in the "C" collation whatever the database's is
 *   (SQLite's BINARY collation already is code-point order, and its existing indexes serve).
 */
export function consoleScale(dialect: DialectName) {
  return {
    async up(schemaless: Kysely<unknown>): Promise<void> {
      const db = schemaless as Kysely<Database>;
      await db.schema
        .createTable('user_roles')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role_key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_roles_pk', ['tenant_id', 'directory_id', 'user_id', 'role_key'])
        .execute();
      await db.schema
        .createIndex('user_roles_role')
        .on('user_roles')
        .columns(['tenant_id', 'directory_id', 'role_key', 'user_id'])
        .execute();
      await backfillRoles(db);

      await db.schema
        .createIndex('users_active_order')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'active', 'deleted_at', 'seq'])
        .execute();

      if (dialect === 'postgres') {
        await sql`create index users_name_prefix on users (tenant_id, directory_id, (user_name_key collate "C")) where deleted_at is null`.execute(
          db,
        );
        await sql`create index users_display_prefix on users (tenant_id, directory_id, (display_name_key collate "C")) where deleted_at is null`.execute(
          db,
        );
        await sql`create index user_emails_prefix on user_emails (tenant_id, directory_id, (value_key collate "C"))`.execute(
          db,
        );
        await sql`create index groups_name_prefix on groups (tenant_id, directory_id, (display_name_key collate "C"))`.execute(
          db,
        );
      }
      if (dialect === 'sqlite') await writePlannerStatistics(schemaless);
    },
  };
}

/** Indexes the roles of the users stored so far, a directory at a time and a batch of users at a time. */
async function backfillRoles(db: Kysely<Database>): Promise<void> {
  const directories = await db.selectFrom('directories').select(['tenant_id', 'id']).execute();
  for (const directory of directories) {
    const scope = { tenantId: directory.tenant_id, directoryId: directory.id };
    let after = 0;
    for (;;) {
      const users = await db
        .selectFrom('users')
        .select(['seq', 'id', 'data'])
        .where('tenant_id', '=', scope.tenantId)
        .where('directory_id', '=', scope.directoryId)
        .where('seq', '>', after)
        .where('deleted_at', 'is', null)
        .orderBy('seq')
        .limit(BACKFILL_BATCH)
        .execute();
      const rows = users.flatMap((u) => roleRows(scope, u.id, parseData(u.data)));
      for (let i = 0; i < rows.length; i += BACKFILL_BATCH)
        await db
          .insertInto('user_roles')
          .values(rows.slice(i, i + BACKFILL_BATCH))
          .execute();
      if (users.length < BACKFILL_BATCH) break;
      after = Number(users.at(-1)!.seq);
    }
  }
}
