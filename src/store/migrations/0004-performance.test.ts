import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTestStore } from '../../../test/support/test-store.js';

/**
 * The plans SQLite picks for the queries SCIM sends most, on a new (empty) store: 0004 wrote the
 * statistics, so the choice does not wait for data. Postgres plans with statistics it measures.
 */
describe('SQLite query plans (0004-performance)', () => {
  let sqlite: SQLite.Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTestStore();
    close = opened.close;
    sqlite = new SQLite(join(opened.location.dataDir, 'rollcall.db'), { readonly: true });
  });

  afterAll(async () => {
    sqlite.close();
    await close();
  });

  const plan = (query: string, params: unknown[]) =>
    sqlite
      .prepare(`explain query plan ${query}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail)
      .join(' | ');
  const ids = Array.from({ length: 100 }, (_, i) => `id${i}`);
  const list = ids.map(() => '?').join(', ');

  test('every index of the SCIM tables has statistics (a migration adding one calls writePlannerStatistics)', () => {
    const missing = sqlite
      .prepare(
        `select m.name from sqlite_master m
         where m.type = 'index' and m.tbl_name in ('users', 'user_emails', 'groups', 'group_members')
           and not exists (select 1 from sqlite_stat1 s where s.idx = m.name)`,
      )
      .all();
    expect(missing).toEqual([]);
  });

  test("a page's groups: 100 probes of the member index, not a scan of the directory's memberships", () => {
    expect(
      plan(
        `select m.member_id, g.id from group_members m join groups g
           on g.tenant_id = m.tenant_id and g.directory_id = m.directory_id and g.id = m.group_id
         where m.tenant_id = ? and m.directory_id = ? and m.member_id in (${list}) order by g.seq`,
        ['t', 'd', ...ids],
      ),
    ).toMatch(
      /^SEARCH m USING (COVERING )?INDEX group_members_member \(tenant_id=\? AND directory_id=\? AND member_id=\?\)/,
    );
  });

  test('members to add are found by id', () => {
    expect(
      plan(`select id from users where tenant_id = ? and directory_id = ? and id in (${list})`, [
        't',
        'd',
        ...ids,
      ]),
    ).toContain('INDEX users_id (tenant_id=? AND directory_id=? AND id=?)');
  });

  test('userName eq is one probe of the unique index', () => {
    expect(
      plan(
        `select * from users where users.tenant_id = ? and users.directory_id = ? and users.user_name_key = ?
           and users.deleted_at is null order by users.seq asc limit ? offset ?`,
        ['t', 'd', 'u', 101, 0],
      ),
    ).toBe('SEARCH users USING INDEX users_user_name (tenant_id=? AND directory_id=? AND user_name_key=?)');
  });

  test('counting the live users, and the active ones, reads one index and no row', () => {
    const scoped = 'users.tenant_id = ? and users.directory_id = ? and users.deleted_at is null';
    expect(plan(`select count(*) from users where ${scoped}`, ['t', 'd'])).toContain(
      'COVERING INDEX users_page_order',
    );
    // Since 0011, the active ones only: users_active_order holds them together.
    expect(plan(`select count(*) from users where ${scoped} and active = ?`, ['t', 'd', 1])).toContain(
      'COVERING INDEX users_active_order (tenant_id=? AND directory_id=? AND active=? AND deleted_at=?)',
    );
  });

  test('a page of live users is read in paging order, without sorting', () => {
    const query = `select * from users where users.tenant_id = ? and users.directory_id = ?
      and users.deleted_at is null order by users.seq asc limit ? offset ?`;
    expect(plan(query, ['t', 'd', 101, 0])).toBe(
      'SEARCH users USING INDEX users_page_order (tenant_id=? AND directory_id=? AND deleted_at=?)',
    );
  });
});
