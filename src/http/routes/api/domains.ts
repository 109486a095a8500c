import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Slug } from './schemas.js';

const DomainSchema = Type.Object({ domain: Type.String({ description: 'Lower case, e.g. `acme.test`' }) });

/**
 * A tenant's declared email domains. Account matching links a SCIM create to an existing account at
 * once only when the email's domain is one of them; a domain belongs to at most one tenant.
 */
export const domainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenants/:slug/domains',
    {
      schema: {
        summary: "List a tenant's email domains",
        operationId: 'listDomains',
        tags: ['lifecycle'],
        params: Type.Object({ slug: Slug }),
        response: { 200: Type.Object({ items: Type.Array(DomainSchema) }), ...errors(404) },
      },
    },
    async (request) => ({
      items: (await request.lifecycle.domains(request.params.slug)).map((domain) => ({ domain })),
    }),
  );

  app.post(
    '/tenants/:slug/domains',
    {
      schema: {
        summary: "Declare an email domain as the tenant's own",
        description: '409 ALREADY_EXISTS if a tenant (this one or another) has declared it.',
        operationId: 'addDomain',
        tags: ['lifecycle'],
        params: Type.Object({ slug: Slug }),
        body: Type.Object(
          { domain: Type.String({ minLength: 1, maxLength: 253, description: 'e.g. `acme.test`' }) },
          { additionalProperties: false },
        ),
        response: { 201: DomainSchema, ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      const domain = await request.lifecycle.addDomain(request.params.slug, request.body.domain);
      return reply.code(201).send({ domain });
    },
  );
};
