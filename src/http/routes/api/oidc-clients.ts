import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OidcClients } from '../../../oidc/oidc-clients.js';
import type { OidcClientRecord } from '../../../store/kysely/oidc-client-repository.js';
import { errors, Id } from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The OpenID Connect clients, as the request's API key may manage them (not at all, if tenant-limited). */
    oidcClients: OidcClients;
  }
}

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const AuthMethod = Type.Enum(['client_secret_basic', 'client_secret_post', 'none'], {
  description:
    'How the app authenticates at the token endpoint; `none` registers a public app (single-page or native: no secret, PKCE alone)',
});

const ClientFields = {
  id: Type.String({ description: 'The client_id' }),
  name: Type.String(),
  redirectUris: Type.Array(Type.String(), { description: 'Matched exactly' }),
  postLogoutRedirectUris: Type.Array(Type.String()),
  loginUri: Type.Union([Type.String(), Type.Null()], {
    description: "The app's sign-in URL, where an IdP-initiated sign-in is handed over",
  }),
  tokenEndpointAuthMethod: AuthMethod,
  secretPrefix: Type.Union([Type.String(), Type.Null()], {
    description: 'The first characters of the secret',
  }),
  issuer: Type.String({
    description: 'The issuer; discovery is at `{issuer}/.well-known/openid-configuration`',
  }),
  relayState: Type.String({
    description: 'The RelayState that sends an IdP-initiated sign-in to this app: `/oidc/launch/{id}`',
  }),
  created: Type.String({ format: 'date-time' }),
};
const ClientSchema = Type.Object(ClientFields, { title: 'OidcClient' });
const CreatedClientSchema = Type.Object(
  {
    ...ClientFields,
    secret: Type.Union([Type.String(), Type.Null()], {
      description: 'The client_secret (`rco_…`), in this answer only; null for a public app',
    }),
  },
  { title: 'CreatedOidcClient' },
);

function clientJson(client: OidcClientRecord, publicUrl: string) {
  return {
    id: client.id,
    name: client.name,
    redirectUris: [...client.redirectUris],
    postLogoutRedirectUris: [...client.postLogoutRedirectUris],
    loginUri: client.loginUri,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    secretPrefix: client.secretPrefix,
    issuer: `${publicUrl}/oidc`,
    relayState: `/oidc/launch/${client.id}`,
    created: client.created,
  };
}

/**
 * The vendor's apps that sign users in over OpenID Connect. They serve every tenant, so only an API
 * key for every tenant manages them (403 FORBIDDEN for a tenant-limited one).
 */
export const oidcClientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/oidc/clients',
    {
      schema: {
        summary: 'Register an app; its client secret is in this answer only',
        operationId: 'createOidcClient',
        tags: ['oidc'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            redirectUris: Type.Array(Uri, {
              minItems: 1,
              maxItems: 20,
              description: 'https (http only on a loopback host), no fragment; matched exactly',
            }),
            postLogoutRedirectUris: Type.Optional(Type.Array(Uri, { maxItems: 20 })),
            loginUri: Type.Optional(
              Type.Union([Uri, Type.Null()], {
                description: "The app's sign-in URL, for IdP-initiated sign-in",
              }),
            ),
            tokenEndpointAuthMethod: Type.Optional(AuthMethod),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedClientSchema, ...errors(403) },
      },
    },
    async (request, reply) => {
      const { client, secret } = await request.oidcClients.create(request.body);
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({ ...clientJson(client, request.publicUrl), secret });
    },
  );

  app.get(
    '/oidc/clients',
    {
      schema: {
        summary: 'List the registered apps (never their secrets)',
        operationId: 'listOidcClients',
        tags: ['oidc'],
        response: { 200: Type.Object({ items: Type.Array(ClientSchema) }), ...errors(403) },
      },
    },
    async (request) => ({
      items: (await request.oidcClients.list()).map((client) => clientJson(client, request.publicUrl)),
    }),
  );

  app.get(
    '/oidc/clients/:clientId',
    {
      schema: {
        summary: 'Get a registered app',
        operationId: 'getOidcClient',
        tags: ['oidc'],
        params: Type.Object({ clientId: Id }),
        response: { 200: ClientSchema, ...errors(403, 404) },
      },
    },
    async (request) => clientJson(await request.oidcClients.get(request.params.clientId), request.publicUrl),
  );

  app.delete(
    '/oidc/clients/:clientId',
    {
      schema: {
        summary: 'Delete an app: its sign-ins and tokens stop working at once',
        operationId: 'deleteOidcClient',
        tags: ['oidc'],
        params: Type.Object({ clientId: Id }),
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      await request.oidcClients.delete(request.params.clientId);
      return reply.code(204).send(null);
    },
  );
};
