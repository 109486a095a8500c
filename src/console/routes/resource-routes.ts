import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ConsoleViews, type UserFilters } from '../../directory/console-views.js';
import type { AccountSource } from '../../store/ports.js';
import { type ConsoleRouteOptions, identityOf, pageContext, sendPage } from '../console-request.js';
import { groupPage, groupsPage, userPage, usersPage } from '../pages/resource-pages.js';
import { scimUrlOf } from './directory-routes.js';

type Query = { Querystring: Record<string, string | undefined> };
type DirectoryParams = { Params: { slug: string; id: string } };

const SOURCES: readonly AccountSource[] = ['scim', 'jit', 'admin'];

function userFilters(query: Record<string, string | undefined>): UserFilters {
  const q = query.q?.trim();
  const role = query.role?.trim();
  const source = SOURCES.find((s) => s === query.source);
  return {
    ...(q && { q }),
    ...(role && { role }),
    ...((query.status === 'active' || query.status === 'inactive') && { status: query.status }),
    ...(source && { source }),
  };
}

/** A directory's users and groups: searched, filtered and paged on the server. */
export const resourceRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  const views = (request: FastifyRequest) => new ConsoleViews(deps.store, identityOf(request));
  const placeOf = async (request: FastifyRequest<DirectoryParams>) => {
    const view = await views(request).directoryIn(request.params.slug, request.params.id);
    return {
      view,
      place: {
        tenant: { slug: view.tenant.slug, name: view.tenant.name },
        directory: { id: view.directory.id, name: view.directory.name },
      },
    };
  };

  app.get<DirectoryParams & Query>('/t/:slug/directories/:id/users', async (request, reply) => {
    const { view, place } = await placeOf(request);
    const filters = userFilters(request.query);
    const page = await views(request).users(request.params.slug, request.params.id, {
      ...filters,
      ...(request.query.cursor && { cursor: request.query.cursor }),
    });
    return sendPage(
      reply,
      usersPage(pageContext(request, assets), place, { settings: view.settings, filters, ...page }),
    );
  });

  app.get<DirectoryParams & { Params: { userId: string } }>(
    '/t/:slug/directories/:id/users/:userId',
    async (request, reply) => {
      const { place } = await placeOf(request);
      const detail = await views(request).user(
        request.params.slug,
        request.params.id,
        request.params.userId,
        scimUrlOf(request, request.params.id),
      );
      return sendPage(reply, userPage(pageContext(request, assets), place, detail));
    },
  );

  app.get<DirectoryParams & Query>('/t/:slug/directories/:id/groups', async (request, reply) => {
    const { place } = await placeOf(request);
    const q = request.query.q?.trim() ?? '';
    const page = await views(request).groups(request.params.slug, request.params.id, {
      ...(q && { q }),
      ...(request.query.cursor && { cursor: request.query.cursor }),
    });
    return sendPage(reply, groupsPage(pageContext(request, assets), place, { q, ...page }));
  });

  app.get<DirectoryParams & Query & { Params: { groupId: string } }>(
    '/t/:slug/directories/:id/groups/:groupId',
    async (request, reply) => {
      const { place } = await placeOf(request);
      const after = request.query.after;
      const data = await views(request).group(
        request.params.slug,
        request.params.id,
        request.params.groupId,
        {
          ...(after && { after }),
        },
      );
      return sendPage(reply, groupPage(pageContext(request, assets), place, { ...data, first: !after }));
    },
  );
};
