import type { FilterNode } from '../scim/filter/filter-node.js';
import type { JsonObject } from '../scim/json/json-value.js';
import type { AttributePath } from '../scim/schema/registry.js';

/** Which directory a repository call acts on. Always passed, never ambient. */
export interface Scope {
  readonly tenantId: string;
  readonly directoryId: string;
}

/** Where an account came from; SCIM-created ones carry the "Provisioned" label. */
export type AccountSource = 'scim' | 'jit' | 'admin';

export interface StoredUser {
  readonly id: string;
  readonly source: AccountSource;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  /** The SCIM attributes (canonical keys, userName and externalId included) except id, meta, groups and password. */
  readonly data: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface StoredGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  /** The SCIM attributes (displayName and externalId included) except id, meta and members. */
  readonly data: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface MemberRef {
  readonly value: string;
  readonly type: 'User' | 'Group';
}

/** A member as returned in a group: display is the user's displayName/userName or the group's displayName. */
export interface MemberView extends MemberRef {
  readonly display: string | null;
}

/** A user's group as returned in `groups`. */
export interface GroupRef {
  readonly value: string;
  readonly display: string;
}

export type SortOrder = 'ascending' | 'descending';

export interface ListQuery {
  readonly filter?: FilterNode;
  /** 1-based, RFC 7644 §3.4.2.4; ignored when `cursor` is set. */
  readonly startIndex: number;
  readonly count: number;
  readonly sortBy?: AttributePath;
  readonly sortOrder: SortOrder;
  /** RFC 9865 cursor from a previous page, or '' to ask for the first page of a cursor walk. */
  readonly cursor?: string;
  /** The directory's SCIM base URL, so filters on `meta.location` and `$ref` can be compiled. */
  readonly baseUrl?: string;
  /** Users only: accounts of this source (the console's filter; an index of its own). */
  readonly source?: AccountSource;
  /** The start of userName, displayName or an email (groups: displayName), case-insensitive. */
  readonly prefix?: string;
  /** Count the total up to this many plus one (a count above it reads "at least"); SCIM counts all. */
  readonly countCap?: number;
}

export interface ListPage<T> {
  readonly totalResults: number;
  readonly resources: T[];
  /** RFC 9865: present when a cursor walk has more pages. */
  readonly nextCursor?: string;
}

export interface TenantRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly created: string;
}

export interface DirectoryRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** JSON settings owned by the directory layer. */
  readonly settings: string;
  readonly scimEnabled: boolean;
  readonly created: string;
  readonly updated: string;
  readonly deprovisionPausedAt: string | null;
  readonly deprovisionReleasedAt: string | null;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly directoryId: string;
  readonly prefix: string;
  readonly created: string;
  readonly lastUsed: string | null;
  readonly expires: string | null;
  readonly revoked: string | null;
  /** Null: every scope. */
  readonly scopes: readonly TokenScope[] | null;
  readonly expiryWarned: string | null;
}

export type TokenScope = 'users:read' | 'users:write' | 'groups:read' | 'groups:write';
export const TOKEN_SCOPES: readonly TokenScope[] = [
  'users:read',
  'users:write',
  'groups:read',
  'groups:write',
];

export interface LogEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly directoryId: string;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  readonly resourceName: string | null;
  readonly status: number;
  readonly scimType: string | null;
  readonly detail: string | null;
  readonly durationMs: number;
  readonly client: string | null;
  readonly note?: string | null;
  /** The row's place in the directory's log: what the detail view is addressed by. */
  readonly seq?: number;
  /** The query string, without `?`. */
  readonly query?: string | null;
  /** The request body, passwords redacted, capped in length. */
  readonly requestBody?: string | null;
  /** The response body of a change or an error, capped in length. */
  readonly responseBody?: string | null;
}

export interface EventRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly directoryId: string | null;
  readonly at: string;
  readonly type: string;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  readonly data: Record<string, unknown>;
}
