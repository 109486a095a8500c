import type { Insertable } from 'kysely';
import { getCaseInsensitive, isObject, type JsonObject } from '../../scim/json/json-value.js';
import type { GroupTable, UserEmailTable, UserRoleTable, UserTable } from '../database.js';
import type { Scope, StoredGroup, StoredUser } from '../ports.js';

/** Case folding used by every `*_key` column; the SQL compiler folds literals the same way. */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function userRow(scope: Scope, user: StoredUser): Insertable<UserTable> {
  const displayName = optionalString(getCaseInsensitive(user.data, 'displayName'));
  return {
    tenant_id: scope.tenantId,
    directory_id: scope.directoryId,
    id: user.id,
    user_name: user.userName,
    user_name_key: foldCase(user.userName),
    external_id: user.externalId,
    display_name_key: displayName === null ? null : foldCase(displayName),
    active: user.active ? 1 : 0,
    data: JSON.stringify(user.data),
    version: user.version,
    created_at: user.created,
    updated_at: user.lastModified,
    deleted_at: null,
    source: user.source,
  };
}

/** The index rows of a user's emails; elements without a string value are not indexed. */
export function emailRows(scope: Scope, userId: string, data: JsonObject): Insertable<UserEmailTable>[] {
  const emails = getCaseInsensitive(data, 'emails');
  if (!Array.isArray(emails)) return [];
  const rows: Insertable<UserEmailTable>[] = [];
  emails.forEach((email, ordinal) => {
    if (!isObject(email)) return;
    const value = optionalString(getCaseInsensitive(email, 'value'));
    if (value === null) return;
    const type = optionalString(getCaseInsensitive(email, 'type'));
    const display = optionalString(getCaseInsensitive(email, 'display'));
    rows.push({
      tenant_id: scope.tenantId,
      directory_id: scope.directoryId,
      user_id: userId,
      ordinal,
      value_key: foldCase(value),
      type_key: type === null ? null : foldCase(type),
      display_key: display === null ? null : foldCase(display),
      primary: getCaseInsensitive(email, 'primary') === true ? 1 : 0,
    });
  });
  return rows;
}

/**
 * The index rows of a user's assigned roles (SCIM `roles`, the values role-policy.ts stores), each
 * role once; elements without a string value are not indexed.
 */
export function roleRows(scope: Scope, userId: string, data: JsonObject): Insertable<UserRoleTable>[] {
  const roles = getCaseInsensitive(data, 'roles');
  if (!Array.isArray(roles)) return [];
  const keys = new Set<string>();
  for (const role of roles) {
    const value = isObject(role) ? optionalString(getCaseInsensitive(role, 'value')) : null;
    if (value !== null && value !== '') keys.add(foldCase(value));
  }
  return [...keys].map((role_key) => ({
    tenant_id: scope.tenantId,
    directory_id: scope.directoryId,
    user_id: userId,
    role_key,
  }));
}

export function groupRow(scope: Scope, group: StoredGroup): Insertable<GroupTable> {
  return {
    tenant_id: scope.tenantId,
    directory_id: scope.directoryId,
    id: group.id,
    display_name: group.displayName,
    display_name_key: foldCase(group.displayName),
    external_id: group.externalId,
    data: JSON.stringify(group.data),
    version: group.version,
    created_at: group.created,
    updated_at: group.lastModified,
  };
}
