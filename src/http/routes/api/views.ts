import { parseSettings } from '../../../directory/directory-settings.js';
import { getCaseInsensitive, isObject, type JsonObject } from '../../../scim/json/json-value.js';
import type { AccountMatch } from '../../../store/kysely/lifecycle-repository.js';
import type {
  DirectoryRecord,
  EventRecord,
  StoredGroup,
  StoredUser,
  TenantRecord,
  TokenRecord,
} from '../../../store/ports.js';

/** How records are shown by the admin API: what the response schemas in schemas.ts describe. */

export function tenantJson(tenant: TenantRecord) {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, created: tenant.created };
}

export function scimUrlOf(publicUrl: string, directoryId: string): string {
  return `${publicUrl}/scim/v2/${directoryId}`;
}

export function directoryJson(directory: DirectoryRecord, tenantSlug: string, publicUrl: string) {
  const settings = parseSettings(directory.settings);
  return {
    id: directory.id,
    tenant: tenantSlug,
    name: directory.name,
    scimUrl: scimUrlOf(publicUrl, directory.id),
    scimEnabled: directory.scimEnabled,
    roles: settings.roles.map((r) => ({ value: r.value, display: r.display })),
    defaultRole: settings.defaultRole ?? null,
    unknownRolePolicy: settings.unknownRolePolicy,
    multiRole: settings.multiRole,
    consoleRoles: [...settings.consoleRoles],
    deletePolicy: settings.deletePolicy,
    softDeleteDays: settings.softDeleteDays,
    accountMatching: settings.accountMatching,
    deprovisionGuard: { ...settings.deprovisionGuard },
    profile: settings.profile,
    deprovisioningPausedAt: directory.deprovisionPausedAt,
    created: directory.created,
    updated: directory.updated,
  };
}

export function tokenJson(token: TokenRecord, at = new Date().toISOString()) {
  const status = token.revoked ? 'revoked' : token.expires && token.expires <= at ? 'expired' : 'active';
  return {
    id: token.id,
    directory: token.directoryId,
    prefix: token.prefix,
    status,
    scopes: token.scopes ? [...token.scopes] : null,
    created: token.created,
    lastUsed: token.lastUsed,
    expires: token.expires,
    revoked: token.revoked,
  } as const;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The `value`s of a multi-valued attribute such as emails or roles. */
function values(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const v = isObject(item) ? item.value : undefined;
    return typeof v === 'string' ? [v] : [];
  });
}

export function userSummary(user: StoredUser) {
  return {
    id: user.id,
    userName: user.userName,
    displayName: stringOrNull(getCaseInsensitive(user.data, 'displayName')),
    externalId: user.externalId,
    active: user.active,
    emails: values(getCaseInsensitive(user.data, 'emails')),
    roles: values(getCaseInsensitive(user.data, 'roles')),
    source: user.source,
    provisioned: user.source === 'scim',
    created: user.created,
    lastModified: user.lastModified,
  };
}

/** A user's SCIM representation with where the account came from (the "Provisioned" label). */
export function userJson(user: StoredUser, resource: JsonObject) {
  return { ...resource, source: user.source, provisioned: user.source === 'scim' };
}

export function matchJson(match: AccountMatch) {
  return {
    id: match.id,
    directory: match.directoryId,
    scimUserId: match.scimUserId,
    existingUserId: match.existingUserId,
    email: match.email,
    status: match.status,
    created: match.created,
    decided: match.decided,
  };
}

export function eventJson(event: EventRecord & { seq: number }) {
  return {
    seq: event.seq,
    id: event.id,
    type: event.type,
    at: event.at,
    directory: event.directoryId,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    data: event.data,
  };
}

export function groupSummary(group: StoredGroup) {
  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    created: group.created,
    lastModified: group.lastModified,
  };
}
