import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  Projection,
  ProvisioningService,
  ResourceResult,
  ScimContext,
} from '../../../directory/provisioning-service.js';
import { checkScope, requiredScope } from '../../../directory/scim-auth.js';
import { InvalidSyntaxError } from '../../../scim/errors.js';
import { getCaseInsensitive, isObject, type JsonObject } from '../../../scim/json/json-value.js';
import { parseListParameters, type RawListParameters } from '../../../scim/list/list-query.js';
import { contextOf, sendScim } from './scim-reply.js';

/** The service calls of one resource type, so Users and Groups share one set of routes. */
interface ResourceOperations {
  readonly type: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  /** The attribute that names a resource in the log: userName or displayName. */
  readonly nameAttribute: string;
  /** Whether a PATCH answers 200 with the resource; groups answer 204 unless asked (M1: returning all members "not advisable"). */
  readonly patchReturnsResource: boolean;
  list(ctx: ScimContext, raw: RawListParameters): Promise<JsonObject>;
  get(ctx: ScimContext, id: string, projection: Projection): Promise<ResourceResult>;
  create(ctx: ScimContext, body: unknown, projection: Projection): Promise<ResourceResult>;
  replace(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<ResourceResult>;
  patch(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<ResourceResult>;
  remove(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<ResourceResult>;
}

export function userOperations(service: ProvisioningService): ResourceOperations {
  return {
    type: 'User',
    endpoint: '/Users',
    nameAttribute: 'userName',
    patchReturnsResource: true,
    list: (c, r) => service.listUsers(c, r),
    get: (c, id, p) => service.getUser(c, id, p),
    create: (c, b, p) => service.createUser(c, b, p),
    replace: (c, id, b, m, p) => service.replaceUser(c, id, b, m, p),
    patch: (c, id, b, m, p) => service.patchUser(c, id, b, m, p),
    remove: (c, id, m) => service.deleteUser(c, id, m),
  };
}

export function groupOperations(service: ProvisioningService): ResourceOperations {
  return {
    type: 'Group',
    endpoint: '/Groups',
    nameAttribute: 'displayName',
    patchReturnsResource: false,
    list: (c, r) => service.listGroups(c, r),
    get: (c, id, p) => service.getGroup(c, id, p),
    create: (c, b, p) => service.createGroup(c, b, p),
    replace: (c, id, b, m, p) => service.replaceGroup(c, id, b, m, p),
    patch: (c, id, b, m, p) => service.patchGroup(c, id, b, m, p),
    remove: (c, id, m) => service.deleteGroup(c, id, m),
  };
}

type IdRequest = FastifyRequest<{
  Params: { directoryId: string; id: string };
  Querystring: Record<string, string>;
}>;

function projectionOf(request: FastifyRequest): Projection {
  const { attributes, excludedAttributes } = parseListParameters({
    attributes: (request.query as Record<string, unknown>).attributes,
    excludedAttributes: (request.query as Record<string, unknown>).excludedAttributes,
  });
  return { ...(attributes && { attributes }), ...(excludedAttributes && { excludedAttributes }) };
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  return Array.isArray(header) ? header.join(',') : header;
}

const WRITES = new Set(['create', 'replace', 'update', 'delete']);

function note(
  request: FastifyRequest,
  ops: ResourceOperations,
  operation: string,
  id?: string,
  body?: unknown,
): void {
  request.scim.operation = operation;
  request.scim.resourceType = ops.type;
  checkScope(contextOf(request), requiredScope(ops.type, WRITES.has(operation)));
  if (id !== undefined) request.scim.resourceId = id;
  if (isObject(body)) {
    const name = getCaseInsensitive(body, ops.nameAttribute);
    if (typeof name === 'string') request.scim.resourceName = name;
  }
}

function noteResult(request: FastifyRequest, result: ResourceResult): void {
  request.scim.resourceId = result.id;
  request.scim.resourceName = result.name;
  if (result.note) request.scim.note = result.note;
}

/** CRUD, list and search routes of one resource type (RFC 7644 §3.2–3.6). */
export function resourceRoutes(ops: ResourceOperations) {
  return async (app: FastifyInstance): Promise<void> => {
    const path = ops.endpoint;

    app.get(path, async (request, reply) => {
      note(request, ops, 'list');
      return sendScim(reply, 200, await ops.list(contextOf(request), request.query as RawListParameters));
    });

    app.post(`${path}/.search`, async (request, reply) => {
      note(request, ops, 'search');
      if (request.body !== undefined && !isObject(request.body))
        throw new InvalidSyntaxError('A SearchRequest must be a JSON object');
      return sendScim(
        reply,
        200,
        await ops.list(contextOf(request), (request.body ?? {}) as RawListParameters),
      );
    });

    app.get(`${path}/:id`, async (request: IdRequest, reply) => {
      note(request, ops, 'get', request.params.id);
      const result = await ops.get(contextOf(request), request.params.id, projectionOf(request));
      noteResult(request, result);
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch && ifNoneMatch === reply.getHeader('ETag')) return reply.code(304).send();
      return sendScim(reply, 200, result.resource!, result.version);
    });

    app.post(path, async (request, reply) => {
      note(request, ops, 'create', undefined, request.body);
      const result = await ops.create(contextOf(request), request.body, projectionOf(request));
      noteResult(request, result);
      reply.header('Location', result.resource?.meta && (result.resource.meta as JsonObject).location);
      return sendScim(reply, 201, result.resource!, result.version);
    });

    app.put(`${path}/:id`, async (request: IdRequest, reply) => {
      note(request, ops, 'replace', request.params.id, request.body);
      const result = await ops.replace(
        contextOf(request),
        request.params.id,
        request.body,
        ifMatchOf(request),
        projectionOf(request),
      );
      noteResult(request, result);
      return sendScim(reply, 200, result.resource!, result.version);
    });

    app.patch(`${path}/:id`, async (request: IdRequest, reply) => {
      note(request, ops, 'update', request.params.id);
      const query = request.query as Record<string, unknown>;
      const wantsResource =
        ops.patchReturnsResource || query.attributes !== undefined || query.excludedAttributes !== undefined;
      // A 204 needs no representation, so a group's members are not read at all.
      const projection = wantsResource ? projectionOf(request) : { excludedAttributes: ['members'] };
      const result = await ops.patch(
        contextOf(request),
        request.params.id,
        request.body,
        ifMatchOf(request),
        projection,
      );
      noteResult(request, result);
      if (!wantsResource) return reply.code(204).header('ETag', `W/"${result.version}"`).send();
      return sendScim(reply, 200, result.resource!, result.version);
    });

    app.delete(`${path}/:id`, async (request: IdRequest, reply) => {
      note(request, ops, 'delete', request.params.id);
      const result = await ops.remove(contextOf(request), request.params.id, ifMatchOf(request));
      noteResult(request, result);
      return reply.code(204).send();
    });
  };
}
