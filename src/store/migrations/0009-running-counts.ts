import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialects/dialect.js';

/**
 * Schema v9: running counts per directory, kept by triggers, so an unfiltered `GET /Users` or
 * `GET /Groups` learns totalResults from one row instead of counting the directory (6 ms at 100,000
 * users), and the deprovisioning guard reads the directory's active users instead of counting them
 * on every deactivation (9 ms at 100,000). Triggers rather than code in the repositories: every
 * statement that adds, deletes, deactivates or soft-deletes a user (SCIM, SSO's JIT, the console, a
 * purge, a directory deletion) keeps the counts, including ones written later.
 *
 * A user counts when live (`deleted_at is null`), and as active when live and `active = 1`. A
 * directory without a row has no users and no groups.
 */
export function runningCounts(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('directory_counts')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('user_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('active_user_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('group_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('directory_counts_pk', ['tenant_id', 'directory_id'])
        .execute();
      // The backfill, in the migration's transaction: on SQLite the write lock is held, on Postgres
      // the triggers exist from here on (same transaction), so no change slips between the two.
      if (dialect === 'sqlite') await sqliteTriggers(db);
      else await postgresTriggers(db);
      await sql`
        insert into directory_counts (tenant_id, directory_id, user_count, active_user_count, group_count)
        select tenant_id, directory_id, sum(users), sum(active_users), sum(groups) from (
          select tenant_id, directory_id, count(*) as users,
                 sum(case when active = 1 then 1 else 0 end) as active_users, 0 as groups
          from users where deleted_at is null group by tenant_id, directory_id
          union all
          select tenant_id, directory_id, 0, 0, count(*) from groups group by tenant_id, directory_id
        ) as per_table
        group by tenant_id, directory_id`.execute(db);
    },
  };
}

/**
 * Increments go through an upsert (the directory's first user or group creates the row);
 * decrements only update (the row exists while anything is counted in it). Each trigger runs only when the counts change (WHEN), so an ordinary update costs nothing.
 */
async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const live = (row: 'new' | 'old') => `(${row}.deleted_at is null)`;
  const active = (row: 'new' | 'old') => `(${row}.deleted_at is null and ${row}.active = 1)`;
  const add = (users: string, activeUsers: string, groups: string, row: 'new' | 'old') => `
    insert into directory_counts (tenant_id, directory_id, user_count, active_user_count, group_count)
    values (${row}.tenant_id, ${row}.directory_id, ${users}, ${activeUsers}, ${groups})
    on conflict (tenant_id, directory_id) do update set
      user_count = user_count + excluded.user_count,
      active_user_count = active_user_count + excluded.active_user_count,
      group_count = group_count + excluded.group_count;`;
  const statements = [
    `create trigger users_count_insert after insert on users when ${live('new')}
     begin ${add('1', active('new'), '0', 'new')} end`,
    `create trigger users_count_update after update of active, deleted_at on users
     when ${live('new')} <> ${live('old')} or ${active('new')} <> ${active('old')}
     begin ${add(`${live('new')} - ${live('old')}`, `${active('new')} - ${active('old')}`, '0', 'new')} end`,
    `create trigger users_count_delete after delete on users when ${live('old')}
     begin
       update directory_counts set user_count = user_count - 1,
         active_user_count = active_user_count - ${active('old')}
       where tenant_id = old.tenant_id and directory_id = old.directory_id;
     end`,
    `create trigger groups_count_insert after insert on groups
     begin ${add('0', '0', '1', 'new')} end`,
    `create trigger groups_count_delete after delete on groups
     begin
       update directory_counts set group_count = group_count - 1
       where tenant_id = old.tenant_id and directory_id = old.directory_id;
     end`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/**
 * Inserts and updates are counted by constraint triggers deferred to commit: the counts row is the
 * one row every writer of a directory touches, and taking its lock at commit, not at the insert,
 * keeps concurrent creates from queueing behind each other for the rest of their transactions (the
 * WHEN is checked at once, so an update that changes no count queues nothing). Deletes are counted
 * per statement from the transition table, so deleting a directory's million users is one update,
 * not a million queued trigger events. Every change is a delta applied by an upsert: deltas commute,
 * so the deferred ones and the immediate ones add up to the same counts whatever order they land in.
 */
async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  const upsert = (values: string) => `
    insert into directory_counts (tenant_id, directory_id, user_count, active_user_count, group_count)
    ${values}
    on conflict (tenant_id, directory_id) do update set
      user_count = directory_counts.user_count + excluded.user_count,
      active_user_count = directory_counts.active_user_count + excluded.active_user_count,
      group_count = directory_counts.group_count + excluded.group_count;`;
  const live = (row: 'new' | 'old') => `(case when ${row}.deleted_at is null then 1 else 0 end)`;
  const active = (row: 'new' | 'old') =>
    `(case when ${row}.deleted_at is null and ${row}.active = 1 then 1 else 0 end)`;
  const fn = (name: string, body: string) =>
    `create function ${name}() returns trigger language plpgsql as $$
     begin ${body} return null; end $$`;
  const statements = [
    fn(
      'rollcall_count_user_insert',
      upsert(`values (new.tenant_id, new.directory_id, 1, ${active('new')}, 0)`),
    ),
    `create constraint trigger users_count_insert after insert on users
     deferrable initially deferred for each row when (new.deleted_at is null)
     execute function rollcall_count_user_insert()`,
    fn(
      'rollcall_count_user_update',
      upsert(
        `values (new.tenant_id, new.directory_id, ${live('new')} - ${live('old')}, ${active('new')} - ${active('old')}, 0)`,
      ),
    ),
    `create constraint trigger users_count_update after update of active, deleted_at on users
     deferrable initially deferred for each row
     when (${live('new')} <> ${live('old')} or ${active('new')} <> ${active('old')})
     execute function rollcall_count_user_update()`,
    fn(
      'rollcall_count_user_delete',
      upsert(`select tenant_id, directory_id, -count(*), -count(*) filter (where active = 1), 0
       from deleted_users where deleted_at is null group by tenant_id, directory_id`),
    ),
    `create trigger users_count_delete after delete on users referencing old table as deleted_users
     for each statement execute function rollcall_count_user_delete()`,
    fn('rollcall_count_group_insert', upsert('values (new.tenant_id, new.directory_id, 0, 0, 1)')),
    `create constraint trigger groups_count_insert after insert on groups
     deferrable initially deferred for each row execute function rollcall_count_group_insert()`,
    fn(
      'rollcall_count_group_delete',
      upsert(`select tenant_id, directory_id, 0, 0, -count(*)
       from deleted_groups group by tenant_id, directory_id`),
    ),
    `create trigger groups_count_delete after delete on groups referencing old table as deleted_groups
     for each statement execute function rollcall_count_group_delete()`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}
