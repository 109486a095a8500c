import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AdminService } from '../../../directory/admin-service.js';
import { authenticateApiKey } from '../../../directory/api-keys.js';
import { LifecycleService } from '../../../directory/lifecycle-service.js';
import { DEFAULT_LOG_RETENTION_DAYS } from '../../../directory/log-retention.js';
import { SamlConnectionService } from '../../../directory/saml-connection-service.js';
import { OidcClients } from '../../../oidc/oidc-clients.js';
import type { FetchIdpMetadataOptions } from '../../../saml/fetch-idp-metadata.js';
import type { Store } from '../../../store/store.js';
import { ApiError, toApiError } from './api-errors.js';
import { directoryRoutes } from './directories.js';
import { domainRoutes } from './domains.js';
import { eventRoutes } from './events.js';
import { groupRoleRoutes } from './group-roles.js';
import { groupRoutes } from './groups.js';
import { logRoutes } from './logs.js';
import { matchRoutes } from './matches.js';
import { oidcClientRoutes } from './oidc-clients.js';
import { samlRoutes } from './saml.js';
import {
  AccountMatchSchema,
  ApiErrorSchema,
  CreatedTokenSchema,
  DirectorySchema,
  EventSchema,
  GroupSummarySchema,
  LogEntrySchema,
  TenantSchema,
  TokenSchema,
  UserSummarySchema,
} from './schemas.js';
import { tenantRoutes } from './tenants.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

export interface ApiPluginOptions {
  readonly store: Store;
  /** Days provisioning-log rows are kept (the default of POST /logs/purge); default 30. */
  readonly logRetentionDays?: number;
  /** How IdP metadata is fetched from its URL (tests allow plain http to a local IdP). */
  readonly samlMetadataFetch?: FetchIdpMetadataOptions;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin service as the request's API key may use it (limited to its tenant, if it is). */
    admin: AdminService;
    /** The lifecycle service, limited like `admin`. */
    lifecycle: LifecycleService;
    /** Tenants' SAML connections, limited like `admin`. */
    samlConnections: SamlConnectionService;
  }
  interface FastifyContextConfig {
    /** Served without an API key (the OpenAPI document). */
    public?: boolean;
  }
}

/** JSON bodies, where an empty body is no body (a POST that needs no options may send none). */
function parseJson(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) {
  if (body.trim() === '') return done(null, undefined);
  try {
    done(
      null,
      JSON.parse(body, (key, value) => (key === '__proto__' ? undefined : value)),
    );
  } catch (error) {
    done(error as Error);
  }
}

/**
 * The admin REST API under `/api/v1`: operator API keys, tenants, directories, tokens, users,
 * groups and provisioning logs, described by the OpenAPI document at `/api/v1/openapi.json` that
 * @fastify/swagger generates from the route schemas.
 */
export async function apiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  const admin = new AdminService(options.store);
  const lifecycle = new LifecycleService(options.store);
  const samlConnections = new SamlConnectionService(options.store, options.samlMetadataFetch);
  const retentionDays = options.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
  const oidcClients = new OidcClients(options.store);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'rollcall admin API',
        version: '1',
        description:
          'Tenants, directories (SCIM endpoints), SCIM tokens, provisioned users and groups, account lifecycle ' +
          '(account matches, roles from groups, tenant domains, the events feed) and provisioning logs. ' +
          'Authenticate with an operator API key (`rollcall apikey create`) as `Authorization: Bearer <key>`. ' +
          'Errors are `{ "code", "message", "field"? }`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An operator API key (rck_…)' },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'tenants', description: "The vendor's customers" },
        { name: 'directories', description: 'SCIM endpoints of a tenant, with their role settings' },
        { name: 'tokens', description: "A directory's SCIM bearer tokens" },
        { name: 'users', description: 'Users provisioned into a directory' },
        { name: 'groups', description: 'Groups provisioned into a directory' },
        {
          name: 'lifecycle',
          description: 'Account matches, roles from groups, the deprovisioning guard, tenant domains',
        },
        { name: 'events', description: "A tenant's events feed: every change, in order" },
        { name: 'logs', description: 'The provisioning log: one entry per SCIM request' },
        { name: 'oidc', description: "The vendor's apps that sign users in over OpenID Connect" },
        {
          name: 'saml',
          description: "A tenant's SAML single sign-on: connection, Test Connection, sign-in log",
        },
        { name: 'meta', description: 'This API itself' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  for (const schema of [
    ApiErrorSchema,
    TenantSchema,
    DirectorySchema,
    TokenSchema,
    CreatedTokenSchema,
    UserSummarySchema,
    GroupSummarySchema,
    LogEntrySchema,
    AccountMatchSchema,
    EventSchema,
  ])
    app.addSchema(schema);

  // TypeBox checks bodies as sent (an unknown field is an error, not silently dropped) and
  // converts query strings and path parameters to the declared types.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);

  app.decorateRequest('admin', null as never);
  app.decorateRequest('lifecycle', null as never);
  app.decorateRequest('oidcClients', null as never);
  app.decorateRequest('samlConnections', null as never);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const key = await authenticateApiKey(options.store, request.headers.authorization);
    request.admin = admin.limitedTo(key.tenantId);
    request.lifecycle = lifecycle.limitedTo(key.tenantId);
    request.oidcClients = oidcClients.limitedTo(key.tenantId);
    request.samlConnections = samlConnections.limitedTo(key.tenantId);
  });

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error, request.id);
    if (apiError.status >= 500) request.log.error({ err: error }, 'admin API request failed');
    if (apiError.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="rollcall admin API"');
    return reply.code(apiError.status).type('application/json; charset=utf-8').send(apiError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(error.status).send(error.toJSON());
  });

  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        summary: 'This OpenAPI document',
        operationId: 'getOpenApi',
        security: [],
        tags: ['meta'],
      },
    },
    async () => app.swagger(),
  );

  await app.register(tenantRoutes);
  await app.register(directoryRoutes);
  await app.register(tokenRoutes);
  await app.register(userRoutes);
  await app.register(groupRoutes);
  await app.register(logRoutes, { retentionDays });
  await app.register(matchRoutes);
  await app.register(groupRoleRoutes);
  await app.register(domainRoutes);
  await app.register(eventRoutes);
  await app.register(oidcClientRoutes);
  await app.register(samlRoutes);
}
