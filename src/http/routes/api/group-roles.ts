import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, GroupRoleRuleSchema, Id } from './schemas.js';

const RulesSchema = Type.Object(
  { items: Type.Array(GroupRoleRuleSchema, { maxItems: 1000 }) },
  { additionalProperties: false },
);

/** Roles from groups: "members of SCIM group X get role Y", for IdPs that send no roles. */
export const groupRoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/directories/:id/group-roles',
    {
      schema: {
        summary: "A directory's group→role rules, in order",
        operationId: 'listGroupRoles',
        tags: ['lifecycle'],
        params: Type.Object({ id: Id }),
        response: { 200: RulesSchema, ...errors(404) },
      },
    },
    async (request) => ({ items: await request.lifecycle.groupRoleRules(request.params.id) }),
  );

  app.put(
    '/directories/:id/group-roles',
    {
      schema: {
        summary: "Replace a directory's group→role rules",
        description:
          'Each rule names a group of the directory and one of its roles (value or display name, stored as the value). ' +
          'Earlier rules win in a single-role directory. `{ "items": [] }` removes every rule.',
        operationId: 'replaceGroupRoles',
        tags: ['lifecycle'],
        params: Type.Object({ id: Id }),
        body: RulesSchema,
        response: { 200: RulesSchema, ...errors(404) },
      },
    },
    async (request) => ({
      items: await request.lifecycle.setGroupRoleRules(request.params.id, request.body.items),
    }),
  );
};
