import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, Slug } from './schemas.js';
import { eventJson } from './views.js';

/**
 * A tenant's events feed: every change, appended in the same transaction as the change itself.
 * The cursor is the event's `seq`: a host app keeps the last `next` and asks for what follows.
 */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenants/:slug/events',
    {
      schema: {
        summary: "Read a tenant's events after a position, oldest first",
        description:
          'Send `after` = the `next` of the previous answer (0 or absent: from the start). ' +
          '`next` is the seq of the last event returned, or `after` when there is nothing new: poll again with it.',
        operationId: 'listEvents',
        tags: ['events'],
        params: Type.Object({ slug: Slug }),
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'A seq; default 0' }),
            ),
            limit: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 1000,
                description: 'At most this many events, default 100',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            events: Type.Array(Type.Ref('Event')),
            next: Type.Integer({ description: 'The `after` of the next request' }),
          }),
          ...errors(404),
        },
      },
    },
    async (request) => {
      const after = request.query.after ?? 0;
      const events = await request.lifecycle.events(request.params.slug, after, request.query.limit ?? 100);
      return { events: events.map(eventJson), next: events.at(-1)?.seq ?? after };
    },
  );
};
