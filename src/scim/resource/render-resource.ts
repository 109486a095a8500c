import type { JsonObject } from '../json/json-value.js';
import { GROUP_SCHEMA, USER_SCHEMA } from '../urns.js';

/** What the protocol core needs to know of a stored resource to render it. */
export interface ResourceRecord {
  readonly id: string;
  /** Every attribute the client wrote (userName, externalId, …), canonical keys. */
  readonly data: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface GroupMembership {
  readonly value: string;
  readonly display: string;
}

export interface MemberEntry {
  readonly value: string;
  readonly type: 'User' | 'Group';
  readonly display: string | null;
}

/** Weak ETag of a version (RFC 7644 §3.14); the same string is `meta.version`. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Extension URNs present in the data, in the order they appear (so `schemas` tells the truth). */
function extensionUris(data: JsonObject): string[] {
  return Object.keys(data).filter((k) => /^urn:/i.test(k));
}

function meta(resourceType: 'User' | 'Group', record: ResourceRecord, location: string): JsonObject {
  return {
    resourceType,
    created: record.created,
    lastModified: record.lastModified,
    location,
    version: etagOf(record.version),
  };
}

/**
 * The full SCIM representation of a user. `groups` is omitted when the caller did not read them
 * (because the projection excludes them).
 */
export function renderUser(
  record: ResourceRecord,
  baseUrl: string,
  groups?: readonly GroupMembership[],
): JsonObject {
  const resource: JsonObject = {
    schemas: [USER_SCHEMA, ...extensionUris(record.data)],
    id: record.id,
    ...record.data,
  };
  if (groups)
    resource.groups = groups.map((g) => ({
      value: g.value,
      display: g.display,
      type: 'direct',
      $ref: `${baseUrl}/Groups/${g.value}`,
    }));
  resource.meta = meta('User', record, `${baseUrl}/Users/${record.id}`);
  return resource;
}

/** The full SCIM representation of a group; `members` omitted when not read. */
export function renderGroup(
  record: ResourceRecord,
  baseUrl: string,
  members?: readonly MemberEntry[],
): JsonObject {
  const resource: JsonObject = {
    schemas: [GROUP_SCHEMA, ...extensionUris(record.data)],
    id: record.id,
    ...record.data,
  };
  if (members)
    resource.members = members.map((m) => ({
      value: m.value,
      ...(m.display !== null && { display: m.display }),
      type: m.type,
      $ref: `${baseUrl}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.value}`,
    }));
  resource.meta = meta('Group', record, `${baseUrl}/Groups/${record.id}`);
  return resource;
}
