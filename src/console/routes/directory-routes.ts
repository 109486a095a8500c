import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleChanges, type RoleSettingsInput } from '../../directory/console-changes.js';
import { ConsoleViews } from '../../directory/console-views.js';
import type { LifecycleChanges } from '../../directory/lifecycle-service.js';
import { ScimError } from '../../scim/errors.js';
import { ConsoleError, toConsoleError } from '../console-errors.js';
import { type ConsoleRouteOptions, identityOf, pageContext, sendPage } from '../console-request.js';
import { checked, type FormBody, list, parseRoleLines, text, wholeNumber } from '../forms.js';
import { directoryPath } from '../layout.js';
import { type DirectoryPageExtras, directoryPage, tokenPage } from '../pages/directory-page.js';
import { noticeOf } from './tenant-routes.js';

type DirectoryParams = { Params: { slug: string; id: string } };

export function scimUrlOf(request: FastifyRequest, directoryId: string): string {
  return `${request.publicUrl}/scim/v2/${directoryId}`;
}

/** A form field that names a group by display name or id, resolved in the directory. */
async function resolveGroup(
  views: ConsoleViews,
  slug: string,
  directoryId: string,
  name: string,
): Promise<string> {
  const id = await views.groupIdByName(slug, directoryId, name);
  if (id) return id;
  throw new ConsoleError('INVALID_VALUE', `No group "${name}" in this directory`);
}

/** A directory's SCIM settings page and its forms: provisioning switch, tokens, roles, rules, lifecycle. */
export const directoryRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  const views = (request: FastifyRequest) => new ConsoleViews(deps.store, identityOf(request));
  const changes = (request: FastifyRequest) => new ConsoleChanges(deps.store, identityOf(request));

  async function render(
    request: FastifyRequest<DirectoryParams>,
    reply: FastifyReply,
    extras: Omit<DirectoryPageExtras, 'scimUrl'>,
    status = 200,
  ) {
    const { slug, id } = request.params;
    const detail = await views(request).directory(slug, id);
    return sendPage(
      reply,
      directoryPage(pageContext(request, assets), detail, { ...extras, scimUrl: scimUrlOf(request, id) }),
      status,
    );
  }

  /**
   * Runs a change; on success goes back to the page with a notice, on a refusal the person can fix
   * (a bad role, a taken name) shows the page again with the message and what they typed.
   */
  async function submit(
    request: FastifyRequest<DirectoryParams & { Body: FormBody }>,
    reply: FastifyReply,
    notice: string,
    errorIn: DirectoryPageExtras['errorIn'],
    work: () => Promise<unknown>,
  ) {
    try {
      await work();
      return reply.redirect(`${directoryPath(request.params.slug, request.params.id)}?notice=${notice}`, 303);
    } catch (error) {
      const refusal = error instanceof ConsoleError || error instanceof ScimError;
      const shown = toConsoleError(error, request.id);
      if (!refusal || ![400, 409].includes(shown.status)) throw error;
      const typed: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.body ?? {}))
        if (key !== '_csrf' && value !== undefined)
          typed[key] = Array.isArray(value) ? value.join(', ') : value;
      return render(request, reply, { error: shown.message, errorIn, typed }, shown.status);
    }
  }

  app.get<DirectoryParams>('/t/:slug/directories/:id', async (request, reply) =>
    render(request, reply, { notice: noticeOf(request.query) }),
  );

  app.post<DirectoryParams & { Body: FormBody }>(
    '/t/:slug/directories/:id/provisioning',
    async (request, reply) => {
      const enabled = text(request.body, 'enabled') === 'on';
      await changes(request).setProvisioning(request.params.slug, request.params.id, enabled);
      return reply.redirect(
        `${directoryPath(request.params.slug, request.params.id)}?notice=provisioning-${enabled ? 'on' : 'off'}`,
        303,
      );
    },
  );

  // The token is in this answer only: no redirect, no cache (the plugin sends no-store on every page).
  app.post<DirectoryParams & { Body: FormBody }>(
    '/t/:slug/directories/:id/tokens',
    async (request, reply) => {
      const { slug, id } = request.params;
      const expiresDay = text(request.body, 'expires');
      let created: Awaited<ReturnType<ConsoleChanges['generateToken']>>;
      try {
        created = await changes(request).generateToken(
          slug,
          id,
          expiresDay ? `${expiresDay}T00:00:00.000Z` : undefined,
        );
      } catch (error) {
        if (!(error instanceof ScimError) || error.status !== 400) throw error;
        return render(request, reply, { error: error.detail, errorIn: 'tokens' }, 400);
      }
      const view = await views(request).directoryIn(slug, id);
      return sendPage(
        reply,
        tokenPage(
          pageContext(request, assets),
          {
            tenant: { slug: view.tenant.slug, name: view.tenant.name },
            directory: { id: view.directory.id, name: view.directory.name },
            scimUrl: scimUrlOf(request, id),
          },
          { secret: created.secret, prefix: created.token.prefix, expires: created.token.expires },
        ),
      );
    },
  );

  app.post<DirectoryParams & { Params: { tokenId: string } }>(
    '/t/:slug/directories/:id/tokens/:tokenId/revoke',
    async (request, reply) => {
      const { slug, id, tokenId } = request.params;
      await changes(request).revokeToken(slug, id, tokenId);
      return reply.redirect(`${directoryPath(slug, id)}?notice=token-revoked`, 303);
    },
  );

  app.post<DirectoryParams & { Body: FormBody }>('/t/:slug/directories/:id/roles', async (request, reply) =>
    submit(request, reply, 'roles-saved', 'roles', async () => {
      const body = request.body;
      const roles = parseRoleLines(text(body, 'roles'));
      const policy = text(body, 'unknownRolePolicy');
      const input: RoleSettingsInput = {
        roles,
        defaultRole: text(body, 'defaultRole') || null,
        unknownRolePolicy: policy === 'default' ? 'default' : 'reject',
        multiRole: text(body, 'multiRole') === 'on',
        consoleRoles: list(body, 'consoleRoles').flatMap((v) =>
          v
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean),
        ),
      };
      await changes(request).updateRoleSettings(request.params.slug, request.params.id, input);
    }),
  );

  app.post<DirectoryParams & { Body: FormBody }>(
    '/t/:slug/directories/:id/group-roles',
    async (request, reply) =>
      submit(request, reply, 'group-roles-saved', 'group-roles', async () => {
        const { slug, id } = request.params;
        const rules = [];
        for (const line of text(request.body, 'rules').split('\n')) {
          if (!line.trim()) continue;
          const at = line.lastIndexOf('=');
          if (at < 0) throw new ConsoleError('INVALID_VALUE', `"${line.trim()}" is not "group = role"`);
          const group = line.slice(0, at).trim();
          const role = line.slice(at + 1).trim();
          if (!group || !role)
            throw new ConsoleError('INVALID_VALUE', `"${line.trim()}" is not "group = role"`);
          rules.push({ groupId: await resolveGroup(views(request), slug, id, group), role });
        }
        await changes(request).setGroupRoleRules(slug, id, rules);
      }),
  );

  app.post<DirectoryParams & { Body: FormBody }>(
    '/t/:slug/directories/:id/lifecycle',
    async (request, reply) =>
      submit(request, reply, 'lifecycle-saved', 'lifecycle', async () => {
        const body = request.body;
        const policy = text(body, 'deletePolicy');
        const lifecycle: LifecycleChanges = {
          deletePolicy: policy === 'soft' ? 'soft' : 'hard',
          softDeleteDays: wholeNumber(body, 'softDeleteDays', 'Days restorable', 1, 3650),
          accountMatching: checked(body, 'accountMatching'),
          deprovisionGuard: {
            enabled: checked(body, 'guardEnabled'),
            maxShare: wholeNumber(body, 'guardPercent', 'The guard’s share of users', 1, 100) / 100,
            windowMinutes: wholeNumber(body, 'guardWindow', 'The guard’s window', 1, 100_000),
            minCount: wholeNumber(body, 'guardMin', 'The guard’s minimum', 1, 10_000_000),
          },
        };
        await changes(request).updateLifecycle(request.params.slug, request.params.id, lifecycle);
      }),
  );

  app.post<DirectoryParams & { Body: FormBody }>(
    '/t/:slug/directories/:id/release',
    async (request, reply) => {
      await changes(request).releaseDeprovisioning(request.params.slug, request.params.id);
      return reply.redirect(`${directoryPath(request.params.slug, request.params.id)}?notice=released`, 303);
    },
  );
};
