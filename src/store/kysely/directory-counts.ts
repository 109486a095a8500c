import type { Kysely } from 'kysely';
import type { FilterNode } from '../../scim/filter/filter-node.js';
import type { Database } from '../database.js';
import type { Scope } from '../ports.js';

/** A directory's running counts (migration 0009 keeps them by triggers). */
export interface DirectoryCounts {
  /** Live users: not soft-deleted. */
  readonly users: number;
  /** Live users with `active` true. */
  readonly activeUsers: number;
  readonly groups: number;
}

/**
 * One primary-key read. On Postgres a transaction's own inserts and updates are counted at its
 * commit (deferred triggers), so inside a transaction this is the count before its changes.
 */
export async function directoryCounts(db: Kysely<Database>, scope: Scope): Promise<DirectoryCounts> {
  const row = await db
    .selectFrom('directory_counts')
    .select(['user_count', 'active_user_count', 'group_count'])
    .where('tenant_id', '=', scope.tenantId)
    .where('directory_id', '=', scope.directoryId)
    .executeTakeFirst();
  return {
    users: Number(row?.user_count ?? 0),
    activeUsers: Number(row?.active_user_count ?? 0),
    groups: Number(row?.group_count ?? 0),
  };
}

/** `active eq true`, the one user filter a running count answers (the console's active users). */
export function isActiveFilter(filter: FilterNode): boolean {
  return (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.value === true &&
    filter.path.uri === undefined &&
    filter.path.subAttribute === undefined &&
    filter.path.name.toLowerCase() === 'active'
  );
}
