import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JsonObject } from '../../../scim/json/json-value.js';
import {
  AdminUserSchema,
  EffectiveRolesSchema,
  errors,
  Id,
  pageOf,
  ResourceListQuery,
  UserCreateSchema,
} from './schemas.js';
import { scimUrlOf, userJson, userSummary } from './views.js';

const UserParams = Type.Object({ id: Id, userId: Id });

/** The users of a directory, as an admin browses them; accounts not made by SCIM; restore and roles. */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/directories/:id/users',
    {
      schema: {
        summary: "Search a directory's users",
        description:
          '`q` finds users whose userName, displayName or an email starts with it; `filter` is a SCIM filter. ' +
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

  app.post(
    '/directories/:id/users',
    {
      schema: {
        summary: 'Create an account not made by SCIM (source `admin`, not "Provisioned")',
        description:
          "The body is a SCIM User; the directory's roles and attribute profile apply as to a SCIM create. " +
          'With accountMatching on, a later SCIM create with the same email is linked to it or queued as a match.',
        operationId: 'createUser',
        tags: ['users'],
        params: Type.Object({ id: Id }),
        body: UserCreateSchema,
        response: { 201: AdminUserSchema, ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const user = await request.lifecycle.createAccount(id, request.body as JsonObject, 'admin');
      const { resource } = await request.admin.userWithResource(
        id,
        user.id,
        scimUrlOf(request.publicUrl, id),
      );
      return reply.code(201).send(userJson(user, resource));
    },
  );

  app.get(
    '/directories/:id/users/:userId',
    {
      schema: {
        summary: 'Get a user as its SCIM representation, groups included, with its source',
        operationId: 'getUser',
        tags: ['users'],
        params: UserParams,
        response: { 200: AdminUserSchema, ...errors(404) },
      },
    },
    async (request) => {
      const { id, userId } = request.params;
      const { user, resource } = await request.admin.userWithResource(
        id,
        userId,
        scimUrlOf(request.publicUrl, id),
      );
      return userJson(user, resource);
    },
  );

  app.get(
    '/directories/:id/users/:userId/roles',
    {
      schema: {
        summary: "A user's effective roles: those the IdP assigned and those its groups give",
        operationId: 'getUserRoles',
        tags: ['users'],
        params: UserParams,
        response: { 200: EffectiveRolesSchema, ...errors(404) },
      },
    },
    async (request) => request.lifecycle.effectiveRoles(request.params.id, request.params.userId),
  );

  app.post(
    '/directories/:id/users/:userId/restore',
    {
      schema: {
        summary: 'Restore a soft-deleted user, as it was',
        description:
          'Within the directory\'s softDeleteDays after a SCIM DELETE under deletePolicy "soft". ' +
          'Its group memberships are not restored; the IdP sends them again. 409 if its userName was taken meanwhile.',
        operationId: 'restoreUser',
        tags: ['users'],
        params: UserParams,
        response: { 200: AdminUserSchema, ...errors(404, 409) },
      },
    },
    async (request) => {
      const { id, userId } = request.params;
      await request.lifecycle.restoreUser(id, userId);
      const { user, resource } = await request.admin.userWithResource(
        id,
        userId,
        scimUrlOf(request.publicUrl, id),
      );
      return userJson(user, resource);
    },
  );
};
