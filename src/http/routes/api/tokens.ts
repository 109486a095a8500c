import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Id, TokenCreateSchema } from './schemas.js';
import { tokenJson } from './views.js';

/**
 * A directory's SCIM tokens. Several may be active at once, so a customer rotates without downtime:
 * generate a new one, paste it into Entra, then revoke the old one.
 */
export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/directories/:id/tokens',
    {
      schema: {
        summary: 'Generate a SCIM token; the secret is in this answer only',
        operationId: 'createToken',
        tags: ['tokens'],
        params: Type.Object({ id: Id }),
        body: Type.Optional(TokenCreateSchema),
        response: { 201: Type.Ref('CreatedToken'), ...errors(404) },
      },
      // A POST with no body asks for a token with no expiry.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { expires, scopes } = request.body ?? {};
      const { token, secret } = await request.admin.createToken(request.params.id, expires, scopes);
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({ ...tokenJson(token), token: secret });
    },
  );

  app.get(
    '/directories/:id/tokens',
    {
      schema: {
        summary: "List a directory's tokens (never their secrets)",
        operationId: 'listTokens',
        tags: ['tokens'],
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Token')) }), ...errors(404) },
      },
    },
    async (request) => {
      const at = new Date().toISOString();
      return { items: (await request.admin.tokens(request.params.id)).map((t) => tokenJson(t, at)) };
    },
  );

  app.delete(
    '/directories/:id/tokens/:tokenId',
    {
      schema: {
        summary: 'Revoke a token: SCIM requests with it get 401 from now on',
        operationId: 'revokeToken',
        tags: ['tokens'],
        params: Type.Object({ id: Id, tokenId: Id }),
        response: { 204: Type.Null({ description: 'Revoked' }), ...errors(404) },
      },
    },
    async (request, reply) => {
      await request.admin.revokeDirectoryToken(request.params.id, request.params.tokenId);
      return reply.code(204).send(null);
    },
  );
};
