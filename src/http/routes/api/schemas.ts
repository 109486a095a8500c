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
  scimEnabled: Type.Boolean({ description: 'Off: every SCIM request gets 403 and changes nothing' }),
};

export const DirectoryCreateSchema = Type.Object(
  {
    name: DirectoryFields.name,
    roles: Type.Optional(DirectoryFields.roles),
    defaultRole: Type.Optional(DirectoryFields.defaultRole),
    unknownRolePolicy: Type.Optional(DirectoryFields.unknownRolePolicy),
    multiRole: Type.Optional(DirectoryFields.multiRole),
    scimEnabled: Type.Optional(DirectoryFields.scimEnabled),
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
    scimEnabled: Type.Optional(DirectoryFields.scimEnabled),
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
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Text contained in the name or an email' })),
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
    roles: Type.Array(Type.String()),
    source: Type.String({ description: '`scim` (provisioned), `jit` or `admin`' }),
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
