import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  SamlConnectionPutSchema,
  SamlConnectionSchema,
  SamlTestSchema,
  SsoLogEntrySchema,
} from './saml-schemas.js';
import { errors, Id, Slug } from './schemas.js';

const SlugParams = Type.Object({ slug: Slug });

/**
 * A tenant's SAML connection (issue 6): set up from IdP metadata or by hand, the SP values to paste
 * into the IdP, Test Connection, refresh of the metadata, and the sign-in log.
 */
export const samlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenants/:slug/saml',
    {
      schema: {
        summary: "A tenant's SAML connection, with the SP values to paste into the IdP",
        description:
          'Before the first PUT it answers `configured: false` and the SP values, for the IdP side.',
        operationId: 'getSamlConnection',
        tags: ['saml'],
        params: SlugParams,
        response: { 200: SamlConnectionSchema, ...errors(404) },
      },
    },
    async (request) => request.samlConnections.get(request.params.slug, request.publicUrl),
  );

  app.put(
    '/tenants/:slug/saml',
    {
      schema: {
        summary: "Set up or change a tenant's SAML connection",
        description:
          'The IdP comes from one of `metadataUrl` (fetched now and every hour), `metadataXml`, or ' +
          '`entityId` + `ssoUrl` + `certificates`. Absent fields keep their value; a new connection needs an ' +
          'IdP and is off unless `enabled` says on. Nothing is written unless all of it is valid.',
        operationId: 'putSamlConnection',
        tags: ['saml'],
        params: SlugParams,
        body: SamlConnectionPutSchema,
        response: { 200: SamlConnectionSchema, ...errors(404, 502) },
      },
    },
    async (request) => request.samlConnections.put(request.params.slug, request.body, request.publicUrl),
  );

  app.delete(
    '/tenants/:slug/saml',
    {
      schema: {
        summary: "Remove a tenant's SAML connection",
        operationId: 'deleteSamlConnection',
        tags: ['saml'],
        params: SlugParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...errors(404) },
      },
    },
    async (request, reply) => {
      await request.samlConnections.remove(request.params.slug);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/tenants/:slug/saml/refresh',
    {
      schema: {
        summary: 'Fetch the IdP metadata from its URL now',
        description:
          'A failure keeps the last good metadata and is answered in `refresh.error` (and kept in `metadataRefreshError`).',
        operationId: 'refreshSamlMetadata',
        tags: ['saml'],
        params: SlugParams,
        response: {
          200: Type.Object({
            refresh: Type.Object({
              ok: Type.Boolean(),
              changed: Type.Boolean(),
              added: Type.Array(Type.String(), { description: 'Fingerprints of certificates now trusted' }),
              removed: Type.Array(Type.String(), { description: 'Fingerprints no longer trusted' }),
              error: Type.Union([Type.String(), Type.Null()]),
            }),
            connection: SamlConnectionSchema,
          }),
          ...errors(404),
        },
      },
    },
    async (request) => {
      const { outcome, connection } = await request.samlConnections.refresh(
        request.params.slug,
        request.publicUrl,
      );
      return {
        refresh: outcome.ok
          ? {
              ok: true,
              changed: outcome.changed,
              added: outcome.added,
              removed: outcome.removed,
              error: null,
            }
          : { ok: false, changed: false, added: [], removed: [], error: outcome.reason },
        connection,
      };
    },
  );

  app.post(
    '/tenants/:slug/saml/test',
    {
      schema: {
        summary: 'Start a Test Connection',
        description:
          'Answers a `url` to open in a browser (for an hour): it signs in at the IdP and shows what the IdP sent ' +
          '(NameID, attributes, matched user, roles) without creating a session or a user. Poll ' +
          '`GET …/saml/test/{testId}` for the result. Works while the connection is switched off.',
        operationId: 'startSamlTest',
        tags: ['saml'],
        params: SlugParams,
        response: { 201: SamlTestSchema, ...errors(404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await request.samlConnections.startTest(request.params.slug, request.publicUrl)),
  );

  app.get(
    '/tenants/:slug/saml/test/:testId',
    {
      schema: {
        summary: 'A Test Connection and its result',
        operationId: 'getSamlTest',
        tags: ['saml'],
        params: Type.Object({ slug: Slug, testId: Id }),
        response: { 200: SamlTestSchema, ...errors(404) },
      },
    },
    async (request) =>
      request.samlConnections.test(request.params.slug, request.params.testId, request.publicUrl),
  );

  app.get(
    '/tenants/:slug/saml/log',
    {
      schema: {
        summary: "The tenant's sign-in log, newest first: every sign-in, refusal (with its reason) and test",
        operationId: 'getSsoLog',
        tags: ['saml'],
        params: SlugParams,
        querystring: Type.Object(
          {
            outcome: Type.Optional(
              Type.Union([Type.Literal('signed_in'), Type.Literal('refused'), Type.Literal('test')]),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 100' })),
            before: Type.Optional(
              Type.Integer({ minimum: 1, description: 'nextBefore of the previous page' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(SsoLogEntrySchema),
            nextBefore: Type.Optional(Type.Integer()),
          }),
          ...errors(404),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const items = await request.samlConnections.log(request.params.slug, {
        limit,
        ...(request.query.before !== undefined && { before: request.query.before }),
        ...(request.query.outcome !== undefined && { outcome: request.query.outcome }),
      });
      const last = items.at(-1);
      return { items, ...(items.length === limit && last && { nextBefore: last.seq }) };
    },
  );
};
