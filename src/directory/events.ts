import type { EventRecord, Scope } from '../store/ports.js';
import { newId, now } from './clock.js';

/** Event types appended to the outbox; the host app reads them from the feed. */
export type EventType =
  | 'user.created'
  | 'user.updated'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.roles_changed'
  | 'user.deleted'
  | 'user.restored'
  | 'user.linked'
  | 'user.merged'
  | 'account_match.pending'
  | 'group.created'
  | 'group.updated'
  | 'group.deleted'
  | 'directory.deprovisioning_paused'
  | 'directory.deprovisioning_released'
  | 'token.expiring'
  | 'saml.certificate_expiring'
  | 'saml.metadata_changed';

export function event(
  scope: Scope,
  type: EventType,
  resource: { type: 'User' | 'Group' | 'Token' | 'Directory' | 'SamlConnection'; id: string } | null,
  data: Record<string, unknown> = {},
): EventRecord {
  return {
    id: newId(),
    tenantId: scope.tenantId,
    directoryId: scope.directoryId,
    at: now(),
    type,
    resourceType: resource?.type ?? null,
    resourceId: resource?.id ?? null,
    data,
  };
}

/** An event of the tenant as a whole (its SAML connection), in no directory. */
export function tenantEvent(
  tenantId: string,
  type: EventType,
  resource: { type: 'SamlConnection'; id: string } | null,
  data: Record<string, unknown> = {},
): EventRecord {
  return { ...event({ tenantId, directoryId: '' }, type, resource, data), directoryId: null };
}
