import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { InvalidValueError } from '../../scim/errors.js';
import type { Database } from '../database.js';
import type { DialectName } from '../dialects/dialect.js';
import { compileFilter, compileSortKey, uniqueKeyOf } from '../filter-to-sql.js';
import type { ListQuery, Scope } from '../ports.js';
import { scimCursor } from './cursor.js';
import { directoryCounts, isActiveFilter } from './directory-counts.js';
import { groupByDisplayNameKey, liveUserByUserNameKey } from './hot-queries.js';
import { textSearch } from './prefix-search.js';

type ResourceTable = 'users' | 'groups';

export interface RowPage<Row> {
  totalResults: number;
  rows: Row[];
  nextCursor?: string;
}

/**
 * One page of users or groups. Paging order is insertion order (seq), or sortBy then seq, so it is
 * the same whatever count and startIndex are (Okta's import requires a consistent order).
 */
export async function listRows<Row extends { seq: number }>(
  db: Kysely<Database>,
  dialect: DialectName,
  table: ResourceTable,
  scope: Scope,
  query: ListQuery,
): Promise<RowPage<Row>> {
  const resource = table === 'users' ? 'User' : 'Group';
  // `userName eq` / `displayName eq` on a first page: a unique index, so one row at most and the
  // total is the page; a prepared query (hot-queries.ts) instead of compiling the filter. Only with
  // nothing else narrowing the list (a new ListQuery condition must be excluded here too).
  const firstPage = query.cursor === undefined && !query.sortBy && query.startIndex === 1 && query.count > 0;
  const key =
    query.filter && firstPage && query.source === undefined && !query.prefix
      ? uniqueKeyOf(resource, query.filter)
      : undefined;
  if (key !== undefined) {
    const values = { tenantId: scope.tenantId, directoryId: scope.directoryId, key };
    const rows = (table === 'users'
      ? await liveUserByUserNameKey.all(db, values)
      : await groupByDisplayNameKey.all(db, values)) as unknown as Row[];
    return { totalResults: rows.length, rows };
  }
  const where = (extra?: Expression<SqlBool>) => {
    const conditions: Expression<SqlBool>[] = [
      sql<SqlBool>`${sql.ref(`${table}.tenant_id`)} = ${scope.tenantId}`,
      sql<SqlBool>`${sql.ref(`${table}.directory_id`)} = ${scope.directoryId}`,
    ];
    if (query.filter)
      conditions.push(
        compileFilter(
          resource,
          query.filter,
          scope,
          dialect,
          query.baseUrl ? { baseUrl: query.baseUrl } : {},
        ),
      );
    if (table === 'users') conditions.push(sql<SqlBool>`${sql.ref('users.deleted_at')} is null`);
    if (query.prefix) conditions.push(textSearch(db, dialect, scope, table, query.prefix));
    if (table === 'users' && query.source !== undefined)
      conditions.push(sql<SqlBool>`${sql.ref('users.source')} = ${query.source}`);
    if (extra) conditions.push(extra);
    return sql.join(conditions, sql` and `);
  };

  const countAll = async () => {
    // The whole directory, or its active users: the running counts say it without a scan.
    if (
      query.source === undefined &&
      query.prefix === undefined &&
      (!query.filter || (table === 'users' && isActiveFilter(query.filter)))
    ) {
      const counts = await directoryCounts(db, scope);
      const n = table === 'groups' ? counts.groups : query.filter ? counts.activeUsers : counts.users;
      return query.countCap === undefined ? n : Math.min(n, query.countCap + 1);
    }
    if (query.countCap !== undefined) {
      // Up to the cap, in paging order: a walk of the paging index that stops there.
      const matches = db
        .selectFrom(table)
        .select(sql`1`.as('one'))
        .where(sql<SqlBool>`${where()}`)
        .orderBy(sql.ref(`${table}.seq`))
        .limit(query.countCap + 1)
        .as('matches');
      const capped = await db
        .selectFrom(matches)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(capped.n);
    }
    const countRow = await db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .where(sql<SqlBool>`${where()}`)
      .executeTakeFirstOrThrow();
    return Number(countRow.n);
  };
  if (query.count === 0) return { totalResults: await countAll(), rows: [] };

  const descending = query.sortOrder === 'descending';
  const seqRef = sql.ref(`${table}.seq`);
  if (query.cursor !== undefined) {
    if (query.sortBy) throw new InvalidValueError('sortBy cannot be combined with cursor paging');
    const after = query.cursor === '' ? 0 : scimCursor.decode(query.cursor);
    const rows = (await db
      .selectFrom(table)
      .selectAll()
      .where(sql<SqlBool>`${where(sql<SqlBool>`${seqRef} > ${after}`)}`)
      .orderBy(seqRef, 'asc')
      .limit(query.count + 1)
      .execute()) as unknown as Row[];
    const more = rows.length > query.count;
    if (more) rows.pop();
    const last = rows.at(-1);
    // A first page that holds every match is the total; otherwise count (a scan of the matches).
    const totalResults = after === 0 && !more ? rows.length : await countAll();
    return { totalResults, rows, ...(more && last && { nextCursor: scimCursor.encode(Number(last.seq)) }) };
  }

  let select = db.selectFrom(table).selectAll().where(sql<SqlBool>`${where()}`);
  if (query.sortBy)
    // RFC 7644 §3.4.2.3: resources without a value sort last ascending and first descending, on
    // both stores (SQLite would put them first ascending).
    select = select.orderBy(compileSortKey(resource, query.sortBy, dialect), (order) =>
      descending ? order.desc().nullsFirst() : order.asc().nullsLast(),
    );
  // One row more than asked tells whether this page ends the results; if it does, the total follows
  // without counting, which a filter lookup (one match) and a last page then never do.
  const rows = (await select
    .orderBy(seqRef, descending && query.sortBy ? 'desc' : 'asc')
    .limit(query.count + 1)
    .offset(query.startIndex - 1)
    .execute()) as unknown as Row[];
  const more = rows.length > query.count;
  if (more) rows.pop();
  const ends = !more && (rows.length > 0 || query.startIndex === 1);
  return { totalResults: ends ? query.startIndex - 1 + rows.length : await countAll(), rows };
}
