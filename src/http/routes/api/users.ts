import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Id, pageOf, ResourceListQuery, ScimResourceSchema } from './schemas.js';
import { scimUrlOf, userSummary } from './views.js';

/** The users provisioned into a directory, as an admin browses them. */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/directories/:id/users',
    {
      schema: {
        summary: "Search a directory's users",
        description:
          '`q` finds text in userName, displayName and emails; `filter` is a SCIM filter. ' +
          'Page with startIndex/count, or walk with cursor (empty for the first page, then nextCursor).',
        operationId: 'listUsers',
        tags: ['users'],
        params: Type.Object({ id: Id }),
        querystring: ResourceListQuery,
        response: { 200: pageOf(Type.Ref('UserSummary'), 'UserPage'), ...errors(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const page = await request.admin.listUsers(id, request.query, scimUrlOf(request.publicUrl, id));
      return {
        totalResults: page.totalResults,
        startIndex: request.query.cursor === undefined ? (request.query.startIndex ?? 1) : 1,
        itemsPerPage: page.resources.length,
        items: page.resources.map(userSummary),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
      };
    },
  );

  app.get(
    '/directories/:id/users/:userId',
    {
      schema: {
        summary: 'Get a user as its SCIM representation, groups included',
        operationId: 'getUser',
        tags: ['users'],
        params: Type.Object({ id: Id, userId: Id }),
        response: { 200: ScimResourceSchema, ...errors(404) },
      },
    },
    async (request) => {
      const { id, userId } = request.params;
      return request.admin.user(id, userId, scimUrlOf(request.publicUrl, id));
    },
  );
};
