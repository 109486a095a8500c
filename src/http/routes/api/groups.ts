import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Id, pageOf, ResourceListQuery, ScimResourceSchema } from './schemas.js';
import { groupSummary, scimUrlOf } from './views.js';

/** The groups provisioned into a directory. */
export const groupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/directories/:id/groups',
    {
      schema: {
        summary: "Search a directory's groups",
        description:
          '`q` finds groups whose displayName starts with it; `filter` is a SCIM filter; paging as for users.',
        operationId: 'listGroups',
        tags: ['groups'],
        params: Type.Object({ id: Id }),
        querystring: ResourceListQuery,
        response: { 200: pageOf(Type.Ref('GroupSummary'), 'GroupPage'), ...errors(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const page = await request.admin.listGroups(id, request.query, scimUrlOf(request.publicUrl, id));
      return {
        totalResults: page.totalResults,
        startIndex: request.query.cursor === undefined ? (request.query.startIndex ?? 1) : 1,
        itemsPerPage: page.resources.length,
        items: page.resources.map(groupSummary),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
      };
    },
  );

  app.get(
    '/directories/:id/groups/:groupId',
    {
      schema: {
        summary: 'Get a group as its SCIM representation, members included',
        operationId: 'getGroup',
        tags: ['groups'],
        params: Type.Object({ id: Id, groupId: Id }),
        response: { 200: ScimResourceSchema, ...errors(404) },
      },
    },
    async (request) => {
      const { id, groupId } = request.params;
      return request.admin.group(id, groupId, scimUrlOf(request.publicUrl, id));
    },
  );
};
