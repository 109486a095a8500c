import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Slug } from './schemas.js';
import { tenantJson } from './views.js';

const SlugParams = Type.Object({ slug: Slug });

/** Tenants: the vendor's customers. A tenant-limited key sees only its own. */
export const tenantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/tenants',
    {
      schema: {
        summary: 'Create a tenant',
        operationId: 'createTenant',
        tags: ['tenants'],
        body: Type.Object(
          { slug: Slug, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Tenant'), ...errors(403, 409) },
      },
    },
    async (request, reply) => {
      const tenant = await request.admin.createTenant(request.body.slug, request.body.name);
      return reply.code(201).send(tenantJson(tenant));
    },
  );

  app.get(
    '/tenants',
    {
      schema: {
        summary: 'List tenants in slug order',
        operationId: 'listTenants',
        tags: ['tenants'],
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size, default 100' }),
            ),
            cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('Tenant')),
            nextCursor: Type.Optional(Type.String()),
          }),
          ...errors(),
        },
      },
    },
    async (request) => {
      const { tenants, more } = await request.admin.listTenants({
        ...(request.query.cursor && { after: request.query.cursor }),
        limit: request.query.limit ?? 100,
      });
      const last = tenants.at(-1);
      // The cursor is the last slug: slugs are unique and the list is in slug order.
      return { items: tenants.map(tenantJson), ...(more && last && { nextCursor: last.slug }) };
    },
  );

  app.get(
    '/tenants/:slug',
    {
      schema: {
        summary: 'Get a tenant',
        operationId: 'getTenant',
        tags: ['tenants'],
        params: SlugParams,
        response: { 200: Type.Ref('Tenant'), ...errors(404) },
      },
    },
    async (request) => tenantJson(await request.admin.tenant(request.params.slug)),
  );

  app.patch(
    '/tenants/:slug',
    {
      schema: {
        summary: "Rename a tenant (its display name; the slug stays, as it is in the tenant's SAML URLs)",
        operationId: 'renameTenant',
        tags: ['tenants'],
        params: SlugParams,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Tenant'), ...errors(404) },
      },
    },
    async (request) => tenantJson(await request.admin.renameTenant(request.params.slug, request.body.name)),
  );

  app.delete(
    '/tenants/:slug',
    {
      schema: {
        summary: 'Delete a tenant with all its directories, tokens, users, groups and logs',
        operationId: 'deleteTenant',
        tags: ['tenants'],
        params: SlugParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors(404) },
      },
    },
    async (request, reply) => {
      await request.admin.deleteTenant(request.params.slug);
      return reply.code(204).send(null);
    },
  );
};
