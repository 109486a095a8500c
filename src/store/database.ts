import type { Generated } from 'kysely';

/**
 * Table types. Every table is keyed by tenant first, then directory, so that rows of one tenant
 * sit together and a Postgres can later be sharded by tenant_id. Times are ISO-8601 UTC strings
 * (`Date#toISOString`), so they sort and compare the same way in SQLite and Postgres.
 */
export interface Database {
  tenants: TenantTable;
  directories: DirectoryTable;
  scim_tokens: ScimTokenTable;
  users: UserTable;
  user_emails: UserEmailTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  provisioning_log: ProvisioningLogTable;
}

export interface TenantTable {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

export interface DirectoryTable {
  id: string;
  tenant_id: string;
  name: string;
  /** JSON: role and lifecycle settings (see directory/directory-settings.ts). */
  settings: string;
  scim_enabled: number;
  created_at: string;
  updated_at: string;
}

export interface ScimTokenTable {
  id: string;
  tenant_id: string;
  directory_id: string;
  /** The first characters of the secret, shown in listings so an admin can tell tokens apart. */
  prefix: string;
  /** SHA-256 of the whole secret, hex. The secret itself is never stored. */
  hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface UserTable {
  /** Insertion order: stable paging order and keyset cursor. */
  seq: Generated<number>;
  tenant_id: string;
  directory_id: string;
  id: string;
  user_name: string;
  /** userName folded to lower case: unique per directory, what `userName eq` looks up. */
  user_name_key: string;
  external_id: string | null;
  display_name_key: string | null;
  active: number;
  /** JSON: the SCIM resource without id, meta, groups and password; keys in canonical case. */
  data: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One row per email of a user, so `emails.value` and Entra's `emails[type eq "work"].value` filters use an index. */
export interface UserEmailTable {
  tenant_id: string;
  directory_id: string;
  user_id: string;
  ordinal: number;
  value_key: string;
  type_key: string | null;
  display_key: string | null;
  primary: number;
}

export interface GroupTable {
  seq: Generated<number>;
  tenant_id: string;
  directory_id: string;
  id: string;
  display_name: string;
  /** displayName folded to lower case: unique per directory, as Entra requires. */
  display_name_key: string;
  external_id: string | null;
  /** JSON: the SCIM resource without id, meta and members. */
  data: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Membership as rows: adding or removing one member of a huge group touches one row. */
export interface GroupMemberTable {
  tenant_id: string;
  directory_id: string;
  group_id: string;
  member_id: string;
  member_type: 'User' | 'Group';
}

export interface ProvisioningLogTable {
  seq: Generated<number>;
  tenant_id: string;
  directory_id: string;
  id: string;
  at: string;
  method: string;
  path: string;
  operation: string;
  resource_type: string | null;
  resource_id: string | null;
  /** userName or displayName of the resource, as far as the request or response told. */
  resource_name: string | null;
  status: number;
  scim_type: string | null;
  detail: string | null;
  duration_ms: number;
  client: string | null;
}
