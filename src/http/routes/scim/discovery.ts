import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userTypeFor } from '../../../directory/attribute-profile.js';
import { NotFoundError } from '../../../scim/errors.js';
import type { JsonObject } from '../../../scim/json/json-value.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../scim/list/list-query.js';
import { listResponse } from '../../../scim/list/list-response.js';
import type {
  AttributeDefinition,
  SchemaDefinition as Schema,
  SchemaDefinition,
} from '../../../scim/schema/attribute.js';
import { allSchemas, groupResourceType, type ResourceTypeDefinition } from '../../../scim/schema/registry.js';
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from '../../../scim/urns.js';
import { baseUrlOf, contextOf, sendScim } from './scim-reply.js';

/** Largest request body accepted, also announced as bulk.maxPayloadSize. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function serviceProviderConfig(baseUrl: string): JsonObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: 'https://github.com/rollcall-dev/rollcall#readme',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: MAX_BODY_BYTES },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 §5: both index and cursor paging.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'The directory\'s SCIM token, sent as "Authorization: Bearer <token>" (Entra\'s "Secret Token").',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** A directory's resource types and schemas: the standard ones plus its profile's custom extensions. */
function typesOf(request: FastifyRequest): readonly ResourceTypeDefinition[] {
  return [userTypeFor(contextOf(request).settings.profile), groupResourceType];
}

function schemasOf(request: FastifyRequest): readonly Schema[] {
  const custom = typesOf(request)[0]!.extensions.filter((e) => !allSchemas.includes(e));
  return [...allSchemas, ...custom];
}

function resourceTypeResource(baseUrl: string, type: ResourceTypeDefinition): JsonObject {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.name}` },
  };
}

function attributeResource(attribute: AttributeDefinition): JsonObject {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.canonicalValues?.length && { canonicalValues: [...attribute.canonicalValues] }),
    ...(attribute.referenceTypes && { referenceTypes: [...attribute.referenceTypes] }),
    ...(attribute.subAttributes && { subAttributes: attribute.subAttributes.map(attributeResource) }),
  };
}

function schemaResource(baseUrl: string, schema: SchemaDefinition): JsonObject {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeResource),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** RFC 7644 §4 discovery endpoints; they describe exactly what this server supports. */
export async function discoveryRoutes(app: FastifyInstance): Promise<void> {
  // Some clients probe the base URL itself during "Test Connection" (growthbook PR #5258).
  app.get('/', async (request, reply) => sendScim(reply, 200, serviceProviderConfig(baseUrlOf(request))));
  app.get('/ServiceProviderConfig', async (request, reply) =>
    sendScim(reply, 200, serviceProviderConfig(baseUrlOf(request))),
  );

  app.get('/ResourceTypes', async (request, reply) => {
    const base = baseUrlOf(request);
    const all = typesOf(request).map((t) => resourceTypeResource(base, t));
    return sendScim(reply, 200, listResponse(all, all.length, 1));
  });
  app.get<{ Params: { name: string } }>('/ResourceTypes/:name', async (request, reply) => {
    const type = typesOf(request).find((t) => t.name.toLowerCase() === request.params.name.toLowerCase());
    if (!type) throw new NotFoundError(`No resource type ${request.params.name}`);
    return sendScim(reply, 200, resourceTypeResource(baseUrlOf(request), type));
  });

  app.get('/Schemas', async (request, reply) => {
    const base = baseUrlOf(request);
    const all = schemasOf(request).map((s) => schemaResource(base, s));
    return sendScim(reply, 200, listResponse(all, all.length, 1));
  });
  app.get<{ Params: { id: string } }>('/Schemas/:id', async (request, reply) => {
    const schema = schemasOf(request).find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!schema) throw new NotFoundError(`No schema ${request.params.id}`);
    return sendScim(reply, 200, schemaResource(baseUrlOf(request), schema));
  });
}
