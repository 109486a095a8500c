import type { FastifyPluginAsync } from 'fastify';
import { ConsoleChanges } from '../../directory/console-changes.js';
import { ConsoleViews } from '../../directory/console-views.js';
import { ScimError } from '../../scim/errors.js';
import { toConsoleError } from '../console-errors.js';
import { type ConsoleRouteOptions, identityOf, pageContext, sendPage } from '../console-request.js';
import { type FormBody, parseRoleLines, text } from '../forms.js';
import { directoryPath, tenantPath } from '../layout.js';
import { overviewPage, tenantsPage } from '../pages/tenant-pages.js';

/** Success messages a page shows after a redirect: chosen by key, never taken from the URL. */
export const NOTICES: Record<string, string> = {
  'tenant-created': 'Tenant created.',
  'directory-created': 'Directory created. Generate a token for it below.',
  'provisioning-on': 'Provisioning is on: the directory accepts SCIM requests.',
  'provisioning-off': 'Provisioning is off: SCIM requests are refused with 403 and logged.',
  'token-revoked': 'Token revoked: SCIM requests with it are refused from now on.',
  'roles-saved': 'Role settings saved.',
  'group-roles-saved': 'Group → role rules saved.',
  'lifecycle-saved': 'Lifecycle policy saved.',
  released: 'Deprovisioning released: deactivations and deletions go through again.',
  'sso-saved': 'SSO settings saved. Run Test Connection to see them work.',
  'sso-on': 'SAML 2.0 is on: people sign in through their identity provider.',
  'sso-off': 'SAML 2.0 is off: nobody signs in through it until it is switched on again.',
};

export function noticeOf(query: unknown): string | null {
  const key = (query as Record<string, unknown> | undefined)?.notice;
  return typeof key === 'string' ? (NOTICES[key] ?? null) : null;
}

type Slug = { Params: { slug: string } };

/** Tenants (operators), a tenant's overview, and creating its directories. */
export const tenantRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  const views = (request: Parameters<typeof identityOf>[0]) =>
    new ConsoleViews(deps.store, identityOf(request));
  const changes = (request: Parameters<typeof identityOf>[0]) =>
    new ConsoleChanges(deps.store, identityOf(request));

  app.get<{ Querystring: Record<string, string | undefined> }>('/tenants', async (request, reply) => {
    const q = (request.query.q ?? '').trim();
    const page = await views(request).tenants({
      q,
      ...(request.query.after && { after: request.query.after }),
    });
    const last = page.tenants.at(-1);
    return sendPage(
      reply,
      tenantsPage(pageContext(request, assets), {
        tenants: page.tenants,
        q,
        ...(page.more && last && { nextAfter: last.slug }),
      }),
    );
  });

  app.post<{ Body: FormBody }>('/tenants', async (request, reply) => {
    const slug = text(request.body, 'slug');
    const name = text(request.body, 'name');
    try {
      const tenant = await changes(request).createTenant(slug, name || undefined);
      return reply.redirect(`${tenantPath(tenant.slug)}?notice=tenant-created`, 303);
    } catch (error) {
      if (!(error instanceof ScimError) || error.status >= 500 || error.status === 403) throw error;
      const shown = toConsoleError(error, request.id);
      const page = await views(request).tenants({});
      return sendPage(
        reply,
        tenantsPage(pageContext(request, assets), {
          tenants: page.tenants,
          q: '',
          form: { slug, name },
          error: shown.message,
        }),
        shown.status,
      );
    }
  });

  app.get<Slug>('/t/:slug', async (request, reply) => {
    const overview = await views(request).overview(request.params.slug, request.publicUrl);
    return sendPage(
      reply,
      overviewPage(pageContext(request, assets), overview, { notice: noticeOf(request.query) }),
    );
  });

  // The directories are listed on the overview; this address is kept for people who type it. Like
  // every tenant's page, it answers "not found" for a tenant that is not the person's to see.
  app.get<Slug>('/t/:slug/directories', async (request, reply) => {
    const tenant = await views(request).tenant(request.params.slug);
    return reply.redirect(tenantPath(tenant.slug), 303);
  });

  app.post<Slug & { Body: FormBody }>('/t/:slug/directories', async (request, reply) => {
    const { slug } = request.params;
    const name = text(request.body, 'name');
    const roles = parseRoleLines(text(request.body, 'roles'));
    try {
      const directory = await changes(request).createDirectory(
        slug,
        name,
        roles.length === 0
          ? null
          : { roles, defaultRole: null, unknownRolePolicy: 'reject', multiRole: false, consoleRoles: [] },
      );
      return reply.redirect(`${directoryPath(slug, directory.id)}?notice=directory-created`, 303);
    } catch (error) {
      if (
        !(error instanceof ScimError) ||
        error.status >= 500 ||
        error.status === 404 ||
        error.status === 403
      )
        throw error;
      const shown = toConsoleError(error, request.id);
      const overview = await views(request).overview(slug, request.publicUrl);
      return sendPage(
        reply,
        overviewPage(pageContext(request, assets), overview, { error: shown.message, form: { name } }),
        shown.status,
      );
    }
  });
};
