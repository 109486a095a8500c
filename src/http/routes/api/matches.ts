import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Id } from './schemas.js';
import { matchJson } from './views.js';

const MatchParams = Type.Object({ id: Id, matchId: Id });

/**
 * The account-match queue (seed 003): a SCIM create whose email belongs to a JIT or admin-created
 * account outside the tenant's declared domains waits here for an admin, never a silent takeover.
 */
export const matchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/directories/:id/matches',
    {
      schema: {
        summary: "List a directory's account matches, oldest first",
        operationId: 'listMatches',
        tags: ['lifecycle'],
        params: Type.Object({ id: Id }),
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Enum(['pending', 'confirmed', 'refused'], { description: 'Only matches in this state' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('AccountMatch')) }), ...errors(404) },
      },
    },
    async (request) => ({
      items: (await request.lifecycle.matches(request.params.id, request.query.status)).map(matchJson),
    }),
  );

  app.post(
    '/directories/:id/matches/:matchId/confirm',
    {
      schema: {
        summary: 'Confirm a match: the two accounts are one person',
        description:
          'The SCIM account (whose id the IdP knows) stays and the other is removed; the event `user.merged` ' +
          '`{from, into}` tells the host app to move its data. 409 if the match was already decided.',
        operationId: 'confirmMatch',
        tags: ['lifecycle'],
        params: MatchParams,
        response: { 200: Type.Ref('AccountMatch'), ...errors(404, 409) },
      },
    },
    async (request) =>
      matchJson(await request.lifecycle.confirmMatch(request.params.id, request.params.matchId)),
  );

  app.post(
    '/directories/:id/matches/:matchId/refuse',
    {
      schema: {
        summary: 'Refuse a match: both accounts stay apart',
        description: '409 if the match was already decided.',
        operationId: 'refuseMatch',
        tags: ['lifecycle'],
        params: MatchParams,
        response: { 200: Type.Ref('AccountMatch'), ...errors(404, 409) },
      },
    },
    async (request) =>
      matchJson(await request.lifecycle.refuseMatch(request.params.id, request.params.matchId)),
  );
};
