import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * The shape the SQLite planner is told to expect. Without statistics it assumes `tenant_id = ? AND
 * directory_id = ?` leaves about ten rows, when here it leaves a whole directory; it then prefers
 * scanning that prefix of one index to probing another with an IN-list: a list page's `groups`
 * (100 users) scanned every membership of the directory through group_members' primary key, 34 ms at
 * 100,000 memberships, against 0.6 ms for 100 probes of group_members_member. Described instead: a
 * store of many tenants whose directory is a tenth of the table (so scoping still pays), ids that
 * select one row, groups of a thousand members, users in a few groups, and few deleted users.
 */
const PLANNED_ROWS: Readonly<Record<string, number>> = {
  users: 1_000_000,
  user_emails: 1_000_000,
  groups: 10_000,
  group_members: 1_000_000,
  user_roles: 1_000_000,
};

/** Rows per value of an indexed column, as a share of the table (scope) or a count; unique columns select 1. */
function rowsPerValue(column: string | null, rows: number, previous: number): number {
  switch (column) {
    case 'tenant_id':
    case 'directory_id':
      return rows / 10;
    // Null for every live user: no narrower than the columns before it.
    case 'deleted_at':
      return previous;
    case 'group_id':
      return 1_000;
    // Where accounts came from (scim, jit, admin): most of a directory is one of them.
    case 'source':
      return previous / 2;
    case 'member_id':
      return 5;
    // A role is held by a good share of a directory; active or not, about half of it (0011).
    case 'role_key':
      return previous / 5;
    case 'active':
      return Math.max(1, previous / 2);
    default:
      return 1;
  }
}

/**
 * Schema v4, for speed. `users_page_order`: the users SCIM serves (`deleted_at is null`) in paging
 * order, so counting them and skipping to a startIndex read one index, not every row (from a partial
 * index on `deleted_at is null`, SQLite would still read every row); with `active`, the
 * deprovisioning guard's count of active users reads it too (9 ms instead of 37 ms at 100,000
 * users, on every deactivation past the guard's minimum). On SQLite, planner statistics
 * (sqlite_stat1; "Manual Control Of Query Plans Using SQLITE_STAT Tables" in SQLite's optimizer
 * overview), written rather than measured by ANALYZE: measured on an empty or young store they would
 * describe the wrong shape, and ANALYZE's sqlite_stat4 samples make SQLite re-prepare a statement
 * whenever a scope parameter changes. Postgres measures its own.
 */
export function performanceTuning(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('users_page_order')
        .on('users')
        .columns(['tenant_id', 'directory_id', 'deleted_at', 'seq', 'active'])
        .execute();
      if (dialect === 'sqlite') await writePlannerStatistics(db);
    },
  };
}

/** Writes SQLite's statistics for every index of the SCIM tables; a migration adding one should call it again. */
export async function writePlannerStatistics(db: Kysely<unknown>): Promise<void> {
  // Creates sqlite_stat1 and sqlite_stat4 when missing; sqlite_schema has no index to measure.
  await sql`analyze sqlite_schema`.execute(db);
  for (const [table, rows] of Object.entries(PLANNED_ROWS)) {
    const indexes = await sql<{ name: string; unique: number }>`
      select name, "unique" from pragma_index_list(${table})`.execute(db);
    for (const index of indexes.rows) {
      const columns = await sql<{ name: string | null }>`
        select name from pragma_index_info(${index.name}) order by seqno`.execute(db);
      let previous = rows;
      const perColumn = columns.rows.map((column, i) => {
        previous =
          index.unique && i === columns.rows.length - 1 ? 1 : rowsPerValue(column.name, rows, previous);
        return previous;
      });
      const stat = [rows, ...perColumn].join(' ');
      await sql`delete from sqlite_stat1 where tbl = ${table} and idx = ${index.name}`.execute(db);
      await sql`delete from sqlite_stat4 where tbl = ${table} and idx = ${index.name}`.execute(db);
      await sql`insert into sqlite_stat1 (tbl, idx, stat) values (${table}, ${index.name}, ${stat})`.execute(
        db,
      );
    }
  }
  // This connection reads the statistics now; others read them when they open the file.
  await sql`analyze sqlite_schema`.execute(db);
}
