import type { TenantRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { parseSettings } from './directory-settings.js';
import { LifecycleService } from './lifecycle-service.js';

/** Whether a directory user may use the console for its tenant, and why not. */
export type TenantAdminAccess =
  | { readonly allowed: true; readonly tenant: TenantRecord; readonly roles: readonly string[] }
  | { readonly allowed: false; readonly reason: string };

/**
 * A tenant admin is a live, active user of one of the tenant's directories whose effective roles
 * (assigned by the IdP, or given by its groups) include one of that directory's console roles.
 * Checked at sign-in and again on every console request, so deactivating the user in Entra, or
 * taking the role away, shuts the console at once.
 */
export async function tenantAdminAccess(
  store: Store,
  tenantId: string,
  directoryId: string,
  userId: string,
): Promise<TenantAdminAccess> {
  const { tenants, users } = store.repositories;
  const directory = await tenants.directoryById(directoryId);
  const tenant =
    directory && directory.tenantId === tenantId ? await tenants.tenantById(tenantId) : undefined;
  if (!directory || !tenant) return { allowed: false, reason: 'The directory no longer exists' };
  const user = await users.get({ tenantId, directoryId }, userId);
  if (!user) return { allowed: false, reason: 'The user no longer exists' };
  if (!user.active) return { allowed: false, reason: 'The user is deactivated' };
  const consoleRoles = parseSettings(directory.settings).consoleRoles.map((r) => r.toLowerCase());
  const { effective } = await new LifecycleService(store).effectiveRoles(directoryId, userId);
  if (!effective.some((role) => consoleRoles.includes(role.toLowerCase())))
    return {
      allowed: false,
      reason:
        consoleRoles.length === 0
          ? 'No role of this directory opens the console (its console roles are empty)'
          : `The console is open to ${parseSettings(directory.settings).consoleRoles.join(', ')}; this user has ${effective.join(', ') || 'no role'}`,
    };
  return { allowed: true, tenant, roles: effective };
}
