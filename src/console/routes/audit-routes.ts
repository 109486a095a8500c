import type { FastifyPluginAsync } from 'fastify';
import { ConsoleViews } from '../../directory/console-views.js';
import { type ConsoleRouteOptions, identityOf, pageContext, sendPage } from '../console-request.js';
import { tenantPath } from '../layout.js';
import { auditPage } from '../pages/audit-page.js';

type Query = { Querystring: Record<string, string | undefined> };

/** The audit log: every tenant's (operators), or one tenant's. */
export const auditRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  app.get<Query>('/audit', async (request, reply) => {
    const identity = identityOf(request);
    if (identity.kind === 'tenant_admin')
      return reply.redirect(`${tenantPath(identity.tenantSlug)}/audit`, 303);
    const views = new ConsoleViews(deps.store, identity);
    const page = await views.audit(undefined, {
      ...(request.query.cursor && { cursor: request.query.cursor }),
    });
    const tenantNames = new Map<string, string>();
    for (const id of new Set(page.entries.flatMap((e) => (e.tenantId ? [e.tenantId] : []))))
      tenantNames.set(id, (await views.tenantById(id))?.name ?? '');
    return sendPage(
      reply,
      auditPage(pageContext(request, assets), { ...page, tenantNames, path: '/console/audit' }),
    );
  });

  app.get<Query & { Params: { slug: string } }>('/t/:slug/audit', async (request, reply) => {
    const views = new ConsoleViews(deps.store, identityOf(request));
    const tenant = await views.tenant(request.params.slug);
    const page = await views.audit(tenant.slug, {
      ...(request.query.cursor && { cursor: request.query.cursor }),
    });
    return sendPage(
      reply,
      auditPage(pageContext(request, assets), {
        ...page,
        tenant: { slug: tenant.slug, name: tenant.name },
        path: `${tenantPath(tenant.slug)}/audit`,
      }),
    );
  });
};
