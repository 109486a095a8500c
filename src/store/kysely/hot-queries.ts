import type { GroupTable, ScimTokenTable, UserTable } from '../database.js';
import { prepareQuery } from './prepared-query.js';

/**
 * The queries nearly every SCIM request runs, compiled once (prepared-query.ts): the token of the
 * request, Entra's `userName eq` / `displayName eq` lookups, a user's groups, a resource by id. The
 * rest of the store builds its queries as it goes. Columns are named, never `*` (see prepareQuery).
 */

type Scoped = { tenantId: string; directoryId: string };

export const USER_COLUMNS = [
  'seq',
  'tenant_id',
  'directory_id',
  'id',
  'user_name',
  'user_name_key',
  'external_id',
  'display_name_key',
  'active',
  'data',
  'version',
  'created_at',
  'updated_at',
  'deleted_at',
  'source',
] as const satisfies readonly (keyof UserTable)[];

export const GROUP_COLUMNS = [
  'seq',
  'tenant_id',
  'directory_id',
  'id',
  'display_name',
  'display_name_key',
  'external_id',
  'data',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof GroupTable)[];

const TOKEN_COLUMNS = [
  't.id',
  't.tenant_id',
  't.directory_id',
  't.prefix',
  't.hash',
  't.created_at',
  't.last_used_at',
  't.expires_at',
  't.revoked_at',
  't.scopes',
  't.expiry_warned_at',
] as const satisfies readonly `t.${keyof ScimTokenTable}`[];

/** A SCIM token by the SHA-256 of its secret, with its directory: every SCIM request's first query. */
export const tokenByHash = prepareQuery('token_by_hash', (db, v: { hash: string }) =>
  db
    .selectFrom('scim_tokens as t')
    .innerJoin('directories as d', 'd.id', 't.directory_id')
    .select(TOKEN_COLUMNS)
    .select([
      'd.id as d_id',
      'd.tenant_id as d_tenant_id',
      'd.name as d_name',
      'd.settings as d_settings',
      'd.scim_enabled as d_scim_enabled',
      'd.created_at as d_created_at',
      'd.updated_at as d_updated_at',
      'd.deprovision_paused_at as d_deprovision_paused_at',
      'd.deprovision_released_at as d_deprovision_released_at',
    ])
    .where('t.hash', '=', v.hash),
);

const userQuery = (lock: boolean) =>
  prepareQuery(lock ? 'user_by_id_for_update' : 'user_by_id', (db, v: Scoped & { id: string }) => {
    const query = db
      .selectFrom('users')
      .select(USER_COLUMNS)
      .where('tenant_id', '=', v.tenantId)
      .where('directory_id', '=', v.directoryId)
      .where('id', '=', v.id)
      .where('deleted_at', 'is', null);
    return lock ? query.forUpdate() : query;
  });

/** A live user by id; `…ForUpdate` locks its row (PostgreSQL's read-modify-write). */
export const liveUserById = userQuery(false);
export const liveUserByIdForUpdate = userQuery(true);

/** The live user with this case-folded userName (the partial unique index): Entra's lookup before every create. */
export const liveUserByUserNameKey = prepareQuery(
  'user_by_user_name_key',
  (db, v: Scoped & { key: string }) =>
    db
      .selectFrom('users')
      .select(USER_COLUMNS)
      .where('tenant_id', '=', v.tenantId)
      .where('directory_id', '=', v.directoryId)
      .where('user_name_key', '=', v.key)
      .where('deleted_at', 'is', null),
);

/** The groups one user is a direct member of, via the member index, in group order. */
export const groupsOfUser = prepareQuery('groups_of_user', (db, v: Scoped & { userId: string }) =>
  db
    .selectFrom('group_members as m')
    .innerJoin('groups as g', (join) =>
      join
        .onRef('g.tenant_id', '=', 'm.tenant_id')
        .onRef('g.directory_id', '=', 'm.directory_id')
        .onRef('g.id', '=', 'm.group_id'),
    )
    .select(['g.id', 'g.display_name'])
    .where('m.tenant_id', '=', v.tenantId)
    .where('m.directory_id', '=', v.directoryId)
    .where('m.member_id', '=', v.userId)
    .orderBy('g.seq'),
);

const groupQuery = (lock: boolean) =>
  prepareQuery(lock ? 'group_by_id_for_update' : 'group_by_id', (db, v: Scoped & { id: string }) => {
    const query = db
      .selectFrom('groups')
      .select(GROUP_COLUMNS)
      .where('tenant_id', '=', v.tenantId)
      .where('directory_id', '=', v.directoryId)
      .where('id', '=', v.id);
    // NO KEY UPDATE (the key never changes) leaves resolveMembers' KEY SHARE free.
    return lock ? query.forNoKeyUpdate() : query;
  });

/** A group by id; `…ForUpdate` locks its row (PostgreSQL: changes of one group queue up). */
export const groupById = groupQuery(false);
export const groupByIdForUpdate = groupQuery(true);

/** The group with this case-folded displayName (unique per directory): Entra's lookup before a create. */
export const groupByDisplayNameKey = prepareQuery(
  'group_by_display_name_key',
  (db, v: Scoped & { key: string }) =>
    db
      .selectFrom('groups')
      .select(GROUP_COLUMNS)
      .where('tenant_id', '=', v.tenantId)
      .where('directory_id', '=', v.directoryId)
      .where('display_name_key', '=', v.key),
);
