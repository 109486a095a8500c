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
  user_roles: UserRoleTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  provisioning_log: ProvisioningLogTable;
  api_keys: ApiKeyTable;
  events: EventTable;
  tenant_domains: TenantDomainTable;
  account_matches: AccountMatchTable;
  group_role_rules: GroupRoleRuleTable;
  oidc_clients: OidcClientTable;
  oidc_signing_keys: OidcSigningKeyTable;
  oidc_payloads: OidcPayloadTable;
  oidc_accounts: OidcAccountTable;
  saml_connections: SamlConnectionTable;
  saml_requests: SamlRequestTable;
  saml_tests: SamlTestTable;
  saml_assertions: SamlAssertionTable;
  saml_certificate_warnings: SamlCertificateWarningTable;
  sso_sessions: SsoSessionTable;
  sso_log: SsoLogTable;
  console_operators: ConsoleOperatorTable;
  console_links: ConsoleLinkTable;
  console_sessions: ConsoleSessionTable;
  console_audit: ConsoleAuditTable;
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
  /** Set while the mass-deprovisioning guard holds deactivations and deletions back. */
  deprovision_paused_at: string | null;
  /** When an admin last released the guard; deprovisions before it no longer count. */
  deprovision_released_at: string | null;
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
  /** JSON array of scopes (`users:read` …), or null for every scope. */
  scopes: string | null;
  /** When the "expires soon" warning was raised, so it is raised once. */
  expiry_warned_at: string | null;
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
  /** Set when soft-deleted: invisible to SCIM, restorable by an admin until purged. */
  deleted_at: string | null;
  /** 'scim' (provisioned), 'jit' (created at first SSO sign-in) or 'admin'. */
  source: Generated<string>;
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

/** One role a user was assigned (SCIM `roles`), so the users page filters by role on an index. */
export interface UserRoleTable {
  tenant_id: string;
  directory_id: string;
  user_id: string;
  /** The role's value folded to lower case. */
  role_key: string;
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
  /** What a successful change did that an admin should see, e.g. "roles: admin → member". */
  note: string | null;
  /** The request's query string, without the leading `?`. */
  query: string | null;
  /** The request body with passwords redacted, capped in length. */
  request_body: string | null;
  /** The response body of a change or an error, capped in length (reads are not kept). */
  response_body: string | null;
}

/** The append-only outbox of every change, for the host app (feed, webhooks). */
export interface EventTable {
  seq: Generated<number>;
  tenant_id: string;
  directory_id: string | null;
  id: string;
  at: string;
  type: string;
  resource_type: string | null;
  resource_id: string | null;
  /** JSON payload. */
  data: string;
}

/** Email domains a tenant has declared as its own; only these are matched to existing accounts automatically. */
export interface TenantDomainTable {
  domain: string;
  tenant_id: string;
  created_at: string;
}

/** A SCIM create that matched an existing account by email outside the tenant's domains: waits for an admin. */
export interface AccountMatchTable {
  tenant_id: string;
  directory_id: string;
  id: string;
  scim_user_id: string;
  existing_user_id: string;
  email: string;
  status: 'pending' | 'confirmed' | 'refused';
  created_at: string;
  decided_at: string | null;
}

/** "Members of SCIM group X get role Y", for IdPs that send no roles. */
export interface GroupRoleRuleTable {
  tenant_id: string;
  directory_id: string;
  group_id: string;
  role: string;
  position: number;
}

/** Operator keys of the admin API. A key with a tenant_id opens only that tenant. */
export interface ApiKeyTable {
  id: string;
  /** Null: every tenant. */
  tenant_id: string | null;
  name: string | null;
  /** The first characters of the key, shown in listings. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** An app of the vendor that signs users in over OpenID Connect. */
export interface OidcClientTable {
  id: string;
  name: string;
  /** JSON array of the exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of the exact URIs the app may ask to be sent back to after sign-out. */
  post_logout_redirect_uris: string;
  /** The app's own sign-in URL, where an IdP-initiated sign-in is handed over (OIDC third-party login). */
  login_uri: string | null;
  /** `client_secret_basic`, `client_secret_post`, or `none` (a public client: no secret, PKCE alone). */
  token_endpoint_auth_method: string;
  /** The first characters of the secret, shown in listings. */
  secret_prefix: string | null;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secret_hash: string | null;
  created_at: string;
}

/** The provider's signing keys; the private half sealed with the secret key. */
export interface OidcSigningKeyTable {
  kid: string;
  generation: number;
  alg: string;
  /** JSON: the public JWK, as published. */
  public_jwk: string;
  /** The private JWK, AES-256-GCM sealed, base64url. */
  sealed_private_jwk: string;
  created_at: string;
  /** When the key starts signing; until then it is only published, so verifiers learn it first. */
  signs_from: string;
}

/** oidc-provider's records (sessions, interactions, codes, tokens, grants), sealed. */
export interface OidcPayloadTable {
  model: string;
  id_hash: string;
  sealed_payload: string;
  grant_hash: string | null;
  uid_hash: string | null;
  user_code_hash: string | null;
  expires_at: string | null;
  consumed_at: string | null;
}

/** Which tenant a signed-in account (a SCIM user id) belongs to, for claims at token time. */
export interface OidcAccountTable {
  account_id: string;
  tenant_id: string;
  signed_in_at: string;
}

/** A tenant's SAML connection (at most one per tenant). */
export interface SamlConnectionTable {
  tenant_id: string;
  enabled: number;
  /** JSON: the IdP, its certificates and the options (see directory/saml-settings.ts). */
  config: string;
  /** Where the IdP metadata is fetched from and refreshed; null when pasted or entered by hand. */
  metadata_url: string | null;
  metadata_refreshed_at: string | null;
  /** When the maintenance job fetches the metadata next; null without a metadata URL. */
  metadata_next_refresh_at: string | null;
  /** Why the last refresh failed (the last good metadata stays in use), cleared by a good one. */
  metadata_error: string | null;
  metadata_error_at: string | null;
  last_test_id: string | null;
  created_at: string;
  updated_at: string;
}

/** AuthnRequests issued and not answered yet: a response's InResponseTo must name one (once). */
export interface SamlRequestTable {
  tenant_id: string;
  id: string;
  /** Set when the request belongs to a Test Connection. */
  test_id: string | null;
  /** The safe same-origin path the sign-in goes on to. */
  relay_state: string | null;
  created_at: string;
  expires_at: string;
}

/** Test Connection runs and what the IdP sent in them. */
export interface SamlTestTable {
  tenant_id: string;
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  created_at: string;
  completed_at: string | null;
  /** JSON: what the IdP sent and how rollcall would sign the person in, or why it refused. */
  result: string | null;
  /** When the row is purged. */
  expires_at: string;
}

/** The replay cache: each assertion ID is accepted once, on any node. */
export interface SamlAssertionTable {
  tenant_id: string;
  id: string;
  issuer: string;
  /** After this the assertion is refused as expired anyway, so the row can go. */
  expires_at: string;
}

/** Certificates the "expires soon" warning was raised for, so it is raised once. */
export interface SamlCertificateWarningTable {
  tenant_id: string;
  fingerprint: string;
  not_after: string;
  warned_at: string;
}

/** Who is signed in through SAML; the cookie holds a secret whose SHA-256 is `hash`. */
export interface SsoSessionTable {
  tenant_id: string;
  id: string;
  hash: string;
  directory_id: string;
  user_id: string;
  name_id: string;
  email: string;
  session_index: string | null;
  created_at: string;
  expires_at: string;
}

/** One row per sign-in attempt at a tenant's ACS, with the reason of a refusal, for the admin. */
export interface SsoLogTable {
  seq: Generated<number>;
  tenant_id: string;
  id: string;
  at: string;
  /** 'signed_in', 'refused', 'test' */
  outcome: string;
  code: string | null;
  reason: string | null;
  email: string | null;
  name_id: string | null;
  directory_id: string | null;
  user_id: string | null;
  idp_initiated: number;
}

/** The vendor's operators, who sign in to the admin console with a password or a one-time link. */
export interface ConsoleOperatorTable {
  id: string;
  email: string;
  email_key: string;
  /** `scrypt$N$r$p$salt$hash` (base64url); null: signs in by one-time link only. */
  password_hash: string | null;
  created_at: string;
  password_changed_at: string | null;
  last_sign_in_at: string | null;
  disabled_at: string | null;
}

/** One-time sign-in links (`rollcall console link`): SHA-256 of the secret, short expiry, single use. */
export interface ConsoleLinkTable {
  hash: string;
  operator_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Console sessions: an operator's, or a tenant admin's opened by the tenant's SSO. */
export interface ConsoleSessionTable {
  /** SHA-256 of the cookie's secret, hex. */
  hash: string;
  /** Opaque id, for the audit log and for ending sessions; not the secret. */
  id: string;
  kind: 'operator' | 'tenant_admin';
  operator_id: string | null;
  tenant_id: string | null;
  directory_id: string | null;
  user_id: string | null;
  sso_session_id: string | null;
  email: string;
  name: string | null;
  created_at: string;
  last_seen_at: string;
  /** The absolute end; the idle end follows from last_seen_at. */
  expires_at: string;
  ended_at: string | null;
}

/** Every change made in the console: who, what, when, in which tenant, to what. */
export interface ConsoleAuditTable {
  seq: Generated<number>;
  id: string;
  at: string;
  actor_kind: 'operator' | 'tenant_admin';
  actor_id: string;
  actor_email: string;
  tenant_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  /** JSON: what changed. Never a secret. */
  detail: string | null;
}
