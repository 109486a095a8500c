import { ScimError } from '../scim/errors.js';
import type { Scope } from '../store/ports.js';
import type { Repositories } from '../store/store.js';
import type { DeprovisionGuard } from './directory-settings.js';

export const DEPROVISION_EVENTS = ['user.deactivated', 'user.deleted'] as const;

/** 403: the guard holds deprovisioning back until an admin releases it. */
export class DeprovisioningPausedError extends ScimError {
  constructor(
    detail: string,
    /** Whether this request tripped the guard (so the caller persists the pause and raises the alert). */
    readonly tripped: boolean,
  ) {
    super(403, detail);
  }
}

/**
 * Checks, inside the transaction about to deactivate or delete one user, whether that would cross the
 * directory's threshold. Counts come from the events outbox (deprovisions in the window, since the
 * last release, indexed) and the directory's running count of live active users (one row).
 */
export async function checkDeprovisioning(
  repos: Repositories,
  scope: Scope,
  guard: DeprovisionGuard,
  at: string,
) {
  // Concurrent deprovisions through several nodes must not all pass the same count.
  await repos.tenants.lockDirectory(scope.directoryId);
  const directory = await repos.tenants.directoryById(scope.directoryId);
  if (directory?.deprovisionPausedAt)
    throw new DeprovisioningPausedError(
      `Deprovisioning is paused for this directory since ${directory.deprovisionPausedAt}: too many users were deactivated or deleted at once. An admin must review and release it.`,
      false,
    );
  if (!guard.enabled) return;
  const windowStart = new Date(Date.parse(at) - guard.windowMinutes * 60_000).toISOString();
  const since =
    directory?.deprovisionReleasedAt && directory.deprovisionReleasedAt > windowStart
      ? directory.deprovisionReleasedAt
      : windowStart;
  const recent = await repos.events.count(scope.tenantId, scope.directoryId, DEPROVISION_EVENTS, since);
  const proposed = recent + 1;
  if (proposed < guard.minCount) return;
  // Share of the users the directory had before this window's deprovisions began.
  const active = await repos.users.countActive(scope);
  const base = active + recent;
  if (proposed > guard.maxShare * base)
    throw new DeprovisioningPausedError(
      `Deprovisioning paused: this would be the ${proposed}th user deactivated or deleted in ${guard.windowMinutes} minutes, more than ${Math.round(guard.maxShare * 100)}% of the directory's ${base} users. If this is intended, an admin must release the pause.`,
      true,
    );
}
