import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { LifecycleChanges } from '../../../directory/lifecycle-service.js';
import { DirectoryCreateSchema, DirectoryPatchSchema, errors, Id, Slug } from './schemas.js';
import { directoryJson } from './views.js';

const IdParams = Type.Object({ id: Id });

/** The lifecycle settings a create or update sends; what it leaves out stays. */
function lifecycleChanges(body: Static<typeof DirectoryPatchSchema>): LifecycleChanges {
  return {
    ...(body.deletePolicy !== undefined && { deletePolicy: body.deletePolicy }),
    ...(body.softDeleteDays !== undefined && { softDeleteDays: body.softDeleteDays }),
    ...(body.accountMatching !== undefined && { accountMatching: body.accountMatching }),
    ...(body.deprovisionGuard !== undefined && { deprovisionGuard: body.deprovisionGuard }),
    ...(body.profile !== undefined && { profile: body.profile }),
  };
}

/** Directories: the SCIM endpoints of a tenant, each with its URL, switch and role settings. */
export const directoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/tenants/:slug/directories',
    {
      schema: {
        summary: 'Create a directory (a SCIM endpoint) in a tenant',
        description: 'Then generate its token with `POST /directories/{id}/tokens`.',
        operationId: 'createDirectory',
        tags: ['directories'],
        params: Type.Object({ slug: Slug }),
        body: DirectoryCreateSchema,
        response: { 201: Type.Ref('Directory'), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const directory = await request.admin.createDirectory(request.params.slug, {
        name: body.name,
        ...(body.roles && {
          roles: body.roles.map((r) => ({ value: r.value, display: r.display ?? r.value })),
        }),
        ...(typeof body.defaultRole === 'string' && { defaultRole: body.defaultRole }),
        ...(body.unknownRolePolicy !== undefined && { unknownRolePolicy: body.unknownRolePolicy }),
        ...(body.multiRole !== undefined && { multiRole: body.multiRole }),
        ...(body.consoleRoles !== undefined && { consoleRoles: body.consoleRoles }),
        ...(body.scimEnabled !== undefined && { scimEnabled: body.scimEnabled }),
        lifecycle: lifecycleChanges(body),
      });
      return reply.code(201).send(directoryJson(directory, request.params.slug, request.publicUrl));
    },
  );

  app.get(
    '/tenants/:slug/directories',
    {
      schema: {
        summary: "List a tenant's directories",
        operationId: 'listDirectories',
        tags: ['directories'],
        params: Type.Object({ slug: Slug }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Directory')) }), ...errors(404) },
      },
    },
    async (request) => {
      const { tenant, directories } = await request.admin.directoriesOf(request.params.slug);
      return { items: directories.map((d) => directoryJson(d, tenant.slug, request.publicUrl)) };
    },
  );

  app.get(
    '/directories/:id',
    {
      schema: {
        summary: 'Get a directory',
        operationId: 'getDirectory',
        tags: ['directories'],
        params: IdParams,
        response: { 200: Type.Ref('Directory'), ...errors(404) },
      },
    },
    async (request) => {
      const directory = await request.admin.directory(request.params.id);
      const tenant = await request.admin.tenantOf(directory);
      return directoryJson(directory, tenant.slug, request.publicUrl);
    },
  );

  app.patch(
    '/directories/:id',
    {
      schema: {
        summary: "Change a directory's name, roles, provisioning switch or lifecycle settings",
        description:
          'Absent fields stay as they are; `defaultRole: null` removes the default role. ' +
          '`deprovisionGuard` and `profile` change field by field. The change is checked whole and written once.',
        operationId: 'updateDirectory',
        tags: ['directories'],
        params: IdParams,
        body: DirectoryPatchSchema,
        response: { 200: Type.Ref('Directory'), ...errors(404, 409) },
      },
    },
    async (request) => {
      const { body } = request;
      const directory = await request.admin.updateDirectory(request.params.id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.roles && {
          roles: body.roles.map((r) => ({ value: r.value, display: r.display ?? r.value })),
        }),
        ...(body.defaultRole !== undefined && { defaultRole: body.defaultRole }),
        ...(body.unknownRolePolicy !== undefined && { unknownRolePolicy: body.unknownRolePolicy }),
        ...(body.multiRole !== undefined && { multiRole: body.multiRole }),
        ...(body.consoleRoles !== undefined && { consoleRoles: body.consoleRoles }),
        ...(body.scimEnabled !== undefined && { scimEnabled: body.scimEnabled }),
        lifecycle: lifecycleChanges(body),
      });
      const tenant = await request.admin.tenantOf(directory);
      return directoryJson(directory, tenant.slug, request.publicUrl);
    },
  );

  app.post(
    '/directories/:id/deprovisioning/release',
    {
      schema: {
        summary: 'Release the mass-deprovisioning guard',
        description:
          'Deactivations and deletions go through again; those before now no longer count towards the threshold. ' +
          'Entra retries the refused ones in its next cycles. Raises `directory.deprovisioning_released`.',
        operationId: 'releaseDeprovisioning',
        tags: ['lifecycle'],
        params: IdParams,
        response: { 204: Type.Null({ description: 'Released' }), ...errors(404) },
      },
    },
    async (request, reply) => {
      await request.lifecycle.releaseDeprovisioning(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/directories/:id',
    {
      schema: {
        summary: 'Delete a directory with its users, groups, tokens and log',
        operationId: 'deleteDirectory',
        tags: ['directories'],
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors(404) },
      },
    },
    async (request, reply) => {
      await request.admin.deleteDirectory(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
