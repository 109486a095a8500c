import type { Scope, StoredUser } from '../store/ports.js';
import type { Repositories } from '../store/store.js';
import type { DirectorySettings } from './directory-settings.js';
import { rolesOf } from './role-policy.js';

/** A user's roles, by where they come from. */
export interface EffectiveRoles {
  /** Roles the IdP sent for the user (SCIM `roles`). */
  readonly assigned: string[];
  /** Roles from the directory's group→role rules. */
  readonly fromGroups: string[];
  /** What the app should apply: assigned first, then from groups; one role in a single-role directory. */
  readonly effective: string[];
}

/** The roles a user holds now: what the admin API shows, and what SSO and OIDC hand the host app. */
export async function effectiveRolesOf(
  repos: Repositories,
  scope: Scope,
  user: StoredUser,
  settings: DirectorySettings,
): Promise<EffectiveRoles> {
  return (await effectiveRolesOfMany(repos, scope, [user], settings)).get(user.id)!;
}

/** The roles of a page of users: one query for the roles their groups give, whatever the page's size. */
export async function effectiveRolesOfMany(
  repos: Repositories,
  scope: Scope,
  users: readonly StoredUser[],
  settings: DirectorySettings,
): Promise<Map<string, EffectiveRoles>> {
  const fromGroups = await repos.lifecycle.rolesFromGroups(
    scope,
    users.map((u) => u.id),
  );
  const result = new Map<string, EffectiveRoles>();
  for (const user of users) {
    const assigned = rolesOf(user.data);
    const groupRoles = fromGroups.get(user.id) ?? [];
    const all = [...new Set([...assigned, ...groupRoles])];
    result.set(user.id, {
      assigned,
      fromGroups: groupRoles,
      effective: settings.multiRole ? all : all.slice(0, 1),
    });
  }
  return result;
}
