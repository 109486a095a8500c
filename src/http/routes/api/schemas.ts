import { type TSchema, Type } from 'typebox';
import { API_ERRORS } from './api-errors.js';

/**
 * The admin API's shared JSON Schemas (TypeBox). Routes validate requests with them and Fastify
 * serialises answers through them, so a field not listed here (a token's hash) can never leak;
 * @fastify/swagger turns the same schemas into /api/v1/openapi.json.
 */

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const instant = (description: string) => Type.String({ format: 'date-time', description });

export const ApiErrorSchema = Type.Object(
  {
    code: Type.Enum(Object.keys(API_ERRORS), { description: 'Stable error code; see docs/api.md' }),
    message: Type.String({ description: 'What went wrong, for a person' }),
    field: Type.Optional(Type.String({ description: 'The request field at fault, e.g. `body.name`' })),
  },
  { $id: 'ApiError', title: 'ApiError' },
);

/** Error answers of a route, by status, all `ApiError`. 401 is added to every authenticated route. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const all = [...new Set([400, 401, ...statuses])].sort();
  return Object.fromEntries(all.map((s) => [s, Type.Ref('ApiError')]));
}

export const Slug = Type.String({
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'Lower-case letters, digits and dashes, e.g. `acme`',
});
export const Id = Type.String({ minLength: 1, maxLength: 100 });

export const TenantSchema = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    created: instant('When the tenant was created'),
  },
  { $id: 'Tenant', title: 'Tenant' },
);

export const RoleSchema = Type.Object(
  {
    value: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "The value the vendor's app understands",
    }),
    display: Type.Optional(
      Type.String({ maxLength: 200, description: 'Display name Entra may send instead; defaults to value' }),
    ),
  },
  { additionalProperties: false },
);

const GuardFields = {
  enabled: Type.Boolean({
    description: 'Whether deprovisions are counted; a pause already in force holds until released',
  }),
  maxShare: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'The share of the users (0.2: 20%) that may be deactivated or deleted within the window',
  }),
  windowMinutes: Type.Integer({ minimum: 1, maximum: 525_600, description: 'The window, in minutes' }),
  minCount: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: 'The guard only pauses from this many deprovisions on (small directories)',
  }),
};

export const CustomAttributeSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_-]*$',
      maxLength: 100,
      description: 'RFC 7643 attribute name',
    }),
    type: Type.Enum(['string', 'boolean', 'integer', 'decimal', 'dateTime', 'reference']),
    multiValued: Type.Optional(Type.Boolean()),
    required: Type.Optional(
      Type.Boolean({ description: 'Users without it are refused with 400 invalidValue' }),
    ),
    caseExact: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    canonicalValues: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const CustomExtensionSchema = Type.Object(
  {
    schema: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'Its URN, e.g. `urn:ietf:params:scim:schemas:extension:acme:2.0:User`',
    }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    attributes: Type.Array(CustomAttributeSchema, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

const RequiredPaths = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
  maxItems: 100,
  description: 'Attribute paths every user must have, e.g. `name.givenName`',
});
const Extensions = Type.Array(CustomExtensionSchema, {
  maxItems: 20,
  description: "Custom extension schemas, listed in the directory's /Schemas",
});

const DirectoryFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  roles: Type.Array(RoleSchema, {
    maxItems: 500,
    description:
      'Allowed app roles, matched case-insensitively on value and display; empty: any role kept as sent',
  }),
  defaultRole: nullable(
    Type.String({ minLength: 1, description: 'Given to users provisioned with no role' }),
  ),
  unknownRolePolicy: Type.Enum(['reject', 'default'], {
    description: 'An unknown role value is refused with 400 invalidValue, or replaced by the default role',
  }),
  multiRole: Type.Boolean({
    description: 'Whether a user may hold several roles (AppRoleAssignmentsComplex)',
  }),
  consoleRoles: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
    maxItems: 50,
    description:
      'Roles whose holders may sign in to the admin console for this tenant through its SSO (e.g. ["admin"]); values of `roles`; empty: none',
  }),
  scimEnabled: Type.Boolean({ description: 'Off: every SCIM request gets 403 and changes nothing' }),
  deletePolicy: Type.Enum(['hard', 'soft'], {
    description: 'What SCIM DELETE does: remove the user for good, or hide it for softDeleteDays',
  }),
  softDeleteDays: Type.Integer({
    minimum: 1,
    maximum: 3650,
    description: 'Days a soft-deleted user can be restored before it is purged',
  }),
  accountMatching: Type.Boolean({
    description: 'Link a SCIM create to an existing non-SCIM account of the directory with the same email',
  }),
  deprovisionGuard: Type.Object(
    {
      enabled: Type.Optional(GuardFields.enabled),
      maxShare: Type.Optional(GuardFields.maxShare),
      windowMinutes: Type.Optional(GuardFields.windowMinutes),
      minCount: Type.Optional(GuardFields.minCount),
    },
    { additionalProperties: false, description: 'The mass-deprovisioning guard; absent fields stay' },
  ),
  profile: Type.Object(
    { required: Type.Optional(RequiredPaths), extensions: Type.Optional(Extensions) },
    { additionalProperties: false, description: 'The attribute profile; absent fields stay' },
  ),
};

/** The lifecycle fields a directory create or update takes. */
const LifecycleInputFields = {
  deletePolicy: Type.Optional(DirectoryFields.deletePolicy),
  softDeleteDays: Type.Optional(DirectoryFields.softDeleteDays),
  accountMatching: Type.Optional(DirectoryFields.accountMatching),
  deprovisionGuard: Type.Optional(DirectoryFields.deprovisionGuard),
  profile: Type.Optional(DirectoryFields.profile),
};

export const DirectoryCreateSchema = Type.Object(
  {
    name: DirectoryFields.name,
    roles: Type.Optional(DirectoryFields.roles),
    defaultRole: Type.Optional(DirectoryFields.defaultRole),
    unknownRolePolicy: Type.Optional(DirectoryFields.unknownRolePolicy),
    multiRole: Type.Optional(DirectoryFields.multiRole),
    consoleRoles: Type.Optional(DirectoryFields.consoleRoles),
    scimEnabled: Type.Optional(DirectoryFields.scimEnabled),
    ...LifecycleInputFields,
  },
  { additionalProperties: false },
);

export const DirectoryPatchSchema = Type.Object(
  {
    name: Type.Optional(DirectoryFields.name),
    roles: Type.Optional(DirectoryFields.roles),
    defaultRole: Type.Optional(DirectoryFields.defaultRole),
    unknownRolePolicy: Type.Optional(DirectoryFields.unknownRolePolicy),
    multiRole: Type.Optional(DirectoryFields.multiRole),
    consoleRoles: Type.Optional(DirectoryFields.consoleRoles),
    scimEnabled: Type.Optional(DirectoryFields.scimEnabled),
    ...LifecycleInputFields,
  },
  { additionalProperties: false, minProperties: 1 },
);

export const DirectorySchema = Type.Object(
  {
    id: Type.String(),
    tenant: Type.String({ description: "The tenant's slug" }),
    name: Type.String(),
    scimUrl: Type.String({ description: 'The Tenant URL an Entra admin pastes' }),
    scimEnabled: Type.Boolean(),
    roles: Type.Array(Type.Object({ value: Type.String(), display: Type.String() })),
    defaultRole: nullable(Type.String()),
    unknownRolePolicy: Type.Enum(['reject', 'default']),
    multiRole: Type.Boolean(),
    consoleRoles: Type.Array(Type.String()),
    deletePolicy: DirectoryFields.deletePolicy,
    softDeleteDays: Type.Integer(),
    accountMatching: DirectoryFields.accountMatching,
    deprovisionGuard: Type.Object(GuardFields),
    profile: Type.Object({ required: Type.Array(Type.String()), extensions: Extensions }),
    deprovisioningPausedAt: nullable(
      instant(
        'When the guard paused deprovisioning; until released (POST …/deprovisioning/release), deactivations and deletions get 403',
      ),
    ),
    created: instant('When the directory was created'),
    updated: instant('When its settings last changed'),
  },
  { $id: 'Directory', title: 'Directory' },
);

const tokenFields = {
  id: Type.String(),
  directory: Type.String({ description: 'The directory id' }),
  prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
  status: Type.Enum(['active', 'expired', 'revoked']),
  scopes: nullable(Type.Array(Type.String(), { description: 'null: every scope' })),
  created: instant('When the token was generated'),
  lastUsed: nullable(instant('When a SCIM request last used it (to the minute)')),
  expires: nullable(instant('When it stops working')),
  revoked: nullable(instant('When it was revoked')),
};

export const TokenSchema = Type.Object(tokenFields, { $id: 'Token', title: 'Token' });

export const CreatedTokenSchema = Type.Object(
  {
    ...tokenFields,
    token: Type.String({
      description: 'The secret, shown this once: the Secret Token an Entra admin pastes',
    }),
  },
  { $id: 'CreatedToken', title: 'CreatedToken' },
);

export const TokenCreateSchema = Type.Object(
  {
    expires: Type.Optional(Type.String({ format: 'date-time', description: 'When the token stops working' })),
    scopes: Type.Optional(
      Type.Array(Type.Enum(['users:read', 'users:write', 'groups:read', 'groups:write']), {
        description: 'What the token may do; absent: everything',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Query parameters of the users and groups lists. */
export const ResourceListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ maxLength: 200, description: 'The start of the name or an email (case-insensitive)' }),
    ),
    filter: Type.Optional(Type.String({ maxLength: 4096, description: 'A SCIM filter (RFC 7644 §3.4.2.2)' })),
    startIndex: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: '1-based index of the first result' }),
    ),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Page size, default 100' })),
    cursor: Type.Optional(
      Type.String({ maxLength: 100, description: 'Cursor paging (RFC 9865): empty for the first page' }),
    ),
  },
  { additionalProperties: false },
);

export function pageOf<T extends TSchema>(item: T, title: string) {
  return Type.Object(
    {
      totalResults: Type.Integer(),
      startIndex: Type.Integer(),
      itemsPerPage: Type.Integer(),
      items: Type.Array(item),
      nextCursor: Type.Optional(Type.String({ description: 'Present while a cursor walk has more' })),
    },
    { title },
  );
}

export const UserSummarySchema = Type.Object(
  {
    id: Type.String(),
    userName: Type.String(),
    displayName: nullable(Type.String()),
    externalId: nullable(Type.String()),
    active: Type.Boolean(),
    emails: Type.Array(Type.String()),
    roles: Type.Array(Type.String(), { description: 'The role values the IdP assigned' }),
    source: Type.Enum(['scim', 'jit', 'admin'], {
      description: '`scim` (provisioned), `jit` (first SSO sign-in) or `admin`',
    }),
    provisioned: Type.Boolean({ description: 'source is `scim`: the "Provisioned" label' }),
    created: instant('When it was provisioned'),
    lastModified: instant('When it last changed'),
  },
  { $id: 'UserSummary', title: 'UserSummary' },
);

export const GroupSummarySchema = Type.Object(
  {
    id: Type.String(),
    displayName: Type.String(),
    externalId: nullable(Type.String()),
    created: instant('When it was provisioned'),
    lastModified: instant('When it last changed'),
  },
  { $id: 'GroupSummary', title: 'GroupSummary' },
);

/** A user as the directory's SCIM endpoint returns it, with where the account came from. */
export const AdminUserSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  title: 'User',
  description: 'The SCIM representation (RFC 7643), groups included, plus `source` and `provisioned`',
  required: ['schemas', 'id', 'source', 'provisioned'],
  properties: {
    schemas: { type: 'array', items: { type: 'string' } },
    id: { type: 'string' },
    source: { type: 'string', enum: ['scim', 'jit', 'admin'] },
    provisioned: { type: 'boolean', description: 'source is `scim`: the "Provisioned" label' },
  },
  additionalProperties: true,
});

/** A user an admin creates: SCIM attributes (RFC 7643), checked against the directory's roles and profile. */
export const UserCreateSchema = Type.Object(
  { userName: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: true, description: 'A SCIM User (userName, name, emails, roles, active, …)' },
);

export const EffectiveRolesSchema = Type.Object(
  {
    assigned: Type.Array(Type.String(), { description: 'Roles the IdP sent for the user' }),
    fromGroups: Type.Array(Type.String(), { description: "Roles from the directory's group→role rules" }),
    effective: Type.Array(Type.String(), {
      description:
        'What the app should apply: assigned first, then from groups; one in a single-role directory',
    }),
  },
  { title: 'EffectiveRoles' },
);

export const AccountMatchSchema = Type.Object(
  {
    id: Type.String(),
    directory: Type.String({ description: 'The directory id' }),
    scimUserId: Type.String({ description: 'The account the IdP provisioned' }),
    existingUserId: Type.String({ description: 'The JIT or admin-created account with the same email' }),
    email: Type.String(),
    status: Type.Enum(['pending', 'confirmed', 'refused']),
    created: instant('When the SCIM create found the match'),
    decided: nullable(instant('When an admin confirmed or refused it')),
  },
  { $id: 'AccountMatch', title: 'AccountMatch' },
);

export const GroupRoleRuleSchema = Type.Object(
  {
    groupId: Id,
    role: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'A role value (or display name) of the directory',
    }),
  },
  { additionalProperties: false },
);

export const EventSchema = Type.Object(
  {
    seq: Type.Integer({ description: "Position in the tenant's feed: the cursor" }),
    id: Type.String(),
    type: Type.String({ description: 'e.g. `user.created`, `user.deactivated`, `token.expiring`' }),
    at: instant('When it happened'),
    directory: nullable(Type.String({ description: 'The directory id' })),
    resourceType: nullable(Type.String()),
    resourceId: nullable(Type.String()),
    data: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  },
  { $id: 'Event', title: 'Event' },
);

/** A SCIM resource as the directory's SCIM endpoint returns it (RFC 7643). */
export const ScimResourceSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  title: 'ScimResource',
  required: ['schemas', 'id'],
  properties: { schemas: { type: 'array', items: { type: 'string' } }, id: { type: 'string' } },
  additionalProperties: true,
});

export const LogEntrySchema = Type.Object(
  {
    id: Type.String(),
    at: instant('When the request was answered'),
    status: Type.Integer(),
    method: Type.String(),
    path: Type.String(),
    operation: Type.String({ description: 'list, get, create, replace, update, delete, search or request' }),
    resourceType: nullable(Type.String()),
    resourceId: nullable(Type.String()),
    resourceName: nullable(Type.String()),
    scimType: nullable(Type.String()),
    detail: nullable(Type.String()),
    note: nullable(Type.String()),
    durationMs: Type.Number(),
    client: nullable(Type.String()),
  },
  { $id: 'LogEntry', title: 'LogEntry' },
);
