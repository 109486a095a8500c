import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleChanges, type SsoSettingsInput } from '../../directory/console-changes.js';
import { ConsoleAccessDeniedError } from '../../directory/console-errors.js';
import { ConsoleViews } from '../../directory/console-views.js';
import { SSO_COOKIE } from '../../directory/sso-sessions.js';
import { SamlError } from '../../saml/errors.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import { ScimError } from '../../scim/errors.js';
import { ConsoleError, toConsoleError } from '../console-errors.js';
import {
  type ConsoleRouteOptions,
  CSP_TO_IDP,
  identityOf,
  pageContext,
  sendPage,
} from '../console-request.js';
import { formatBytes, SSO_FORM_LIMIT } from '../form-limits.js';
import { checked, type FormBody, text } from '../forms.js';
import { tenantPath } from '../layout.js';
import { signInPage } from '../pages/sign-in-page.js';
import { type SsoPageExtras, ssoPage } from '../pages/sso-page.js';
import { setSessionCookie } from './sign-in-routes.js';
import { noticeOf } from './tenant-routes.js';

type SlugParams = { Params: { slug: string } };

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Where the tenant's SSO sends the browser back to, with the SSO session's cookie. */
export const SSO_CALLBACK = '/console/sso/callback';

function settingsOf(body: FormBody | undefined): SsoSettingsInput {
  const metadataUrl = text(body, 'metadataUrl');
  const metadataXml = text(body, 'metadataXml');
  const names = {
    ...(text(body, 'givenName') && { givenName: text(body, 'givenName') }),
    ...(text(body, 'familyName') && { familyName: text(body, 'familyName') }),
    ...(text(body, 'displayName') && { displayName: text(body, 'displayName') }),
  };
  return {
    ...(metadataUrl && { metadataUrl }),
    ...(metadataXml && { metadataXml }),
    wantAssertionsSigned: checked(body, 'wantAssertionsSigned'),
    wantResponseSigned: checked(body, 'wantResponseSigned'),
    allowIdpInitiated: checked(body, 'allowIdpInitiated'),
    emailAttribute: text(body, 'emailAttribute') || null,
    nameAttributes: names,
    jit: {
      enabled: checked(body, 'jitEnabled'),
      directoryId: text(body, 'jitDirectory') || null,
      defaultRole: text(body, 'jitRole') || null,
    },
  };
}

/** The tenant's SSO page (settings, switch, Test Connection) and the tenant admins' sign-in through it. */
export const ssoRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  const views = (request: FastifyRequest) => new ConsoleViews(deps.store, identityOf(request));
  const changes = (request: FastifyRequest) =>
    new ConsoleChanges(deps.store, identityOf(request), deps.samlFetch);

  async function render(
    request: FastifyRequest<SlugParams>,
    reply: FastifyReply,
    extras: SsoPageExtras,
    status = 200,
  ) {
    const detail = await views(request).sso(request.params.slug, request.publicUrl);
    reply.header('Content-Security-Policy', CSP_TO_IDP);
    return sendPage(reply, ssoPage(pageContext(request, assets), detail, extras), status);
  }

  /** A refusal the admin can act on shows the page again with the reason and what was typed. */
  async function refused(
    request: FastifyRequest<SlugParams & { Body: FormBody }>,
    reply: FastifyReply,
    error: unknown,
  ) {
    const fixable = error instanceof SamlError || error instanceof ScimError || error instanceof ConsoleError;
    const shown = toConsoleError(error, request.id);
    if (!fixable || ![400, 409, 502].includes(shown.status)) throw error;
    const typed: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.body ?? {}))
      if (key !== '_csrf' && typeof value === 'string') typed[key] = value;
    return render(request, reply, { error: shown.message, typed }, shown.status);
  }

  app.get<SlugParams>('/t/:slug/sso', async (request, reply) =>
    render(request, reply, { notice: noticeOf(request.query) }),
  );

  // Pasted metadata makes this the one large form.
  const settingsForm = {
    bodyLimit: SSO_FORM_LIMIT,
    config: {
      tooLarge: `The settings form can send at most ${formatBytes(SSO_FORM_LIMIT)}, and metadata XML at most ${formatBytes(MAX_METADATA_BYTES)}: give the IdP's metadata URL instead of pasting metadata this large. Nothing was changed.`,
    },
  };
  app.post<SlugParams & { Body: FormBody }>('/t/:slug/sso', settingsForm, async (request, reply) => {
    try {
      await changes(request).saveSso(request.params.slug, settingsOf(request.body), request.publicUrl);
    } catch (error) {
      return refused(request, reply, error);
    }
    return reply.redirect(`${tenantPath(request.params.slug)}/sso?notice=sso-saved`, 303);
  });

  app.post<SlugParams & { Body: FormBody }>('/t/:slug/sso/enabled', async (request, reply) => {
    const enabled = text(request.body, 'enabled') === 'on';
    try {
      await changes(request).setSsoEnabled(request.params.slug, enabled, request.publicUrl);
    } catch (error) {
      return refused(request, reply, error);
    }
    return reply.redirect(`${tenantPath(request.params.slug)}/sso?notice=sso-${enabled ? 'on' : 'off'}`, 303);
  });

  // The test is a sign-in at the IdP: the browser goes there now, and the answer shows what it sent.
  app.post<SlugParams & { Body: FormBody }>('/t/:slug/sso/test', async (request, reply) => {
    let url: string;
    try {
      url = (await changes(request).startSsoTest(request.params.slug, request.publicUrl)).url;
    } catch (error) {
      return refused(request, reply, error);
    }
    return reply.redirect(url, 303);
  });

  // "Sign in with your company's SSO": to the tenant's SAML login, coming back to the callback.
  app.get<{ Querystring: { tenant?: string } }>(
    '/sso/start',
    { config: { public: true } },
    async (request, reply) => {
      const slug = (request.query.tenant ?? '').trim().toLowerCase();
      if (!SLUG.test(slug)) {
        reply.header('Content-Security-Policy', CSP_TO_IDP);
        return sendPage(
          reply,
          signInPage(pageContext(request, assets), {
            tenant: request.query.tenant ?? '',
            error: 'Give your organisation’s name in rollcall (its slug, e.g. acme).',
          }),
          400,
        );
      }
      const relayState = encodeURIComponent(SSO_CALLBACK);
      return reply.redirect(`/sso/${encodeURIComponent(slug)}/saml/login?RelayState=${relayState}`, 303);
    },
  );

  // The SSO session is verified by the SAML layer; the console opens its own only for console roles.
  app.get('/sso/callback', { config: { public: true } }, async (request, reply) => {
    const signIn = await deps.ssoSessions.resolve(request.cookies[SSO_COOKIE]);
    if (!signIn) {
      reply.header('Content-Security-Policy', CSP_TO_IDP);
      return sendPage(
        reply,
        signInPage(pageContext(request, assets), {
          error: 'The sign-in through your company’s SSO did not complete. Please try again.',
        }),
        401,
      );
    }
    try {
      const opened = await deps.sessions.openForTenantAdmin({
        tenantId: signIn.tenantId,
        directoryId: signIn.directoryId,
        userId: signIn.userId,
        email: signIn.email,
        name: signIn.name,
        ssoSessionId: signIn.sessionId,
      });
      await deps.sessions.end(request.consoleState.cookieValue);
      setSessionCookie(request, reply, opened);
      return reply.redirect(tenantPath(signIn.tenantSlug), 303);
    } catch (error) {
      if (!(error instanceof ConsoleAccessDeniedError)) throw error;
      throw new ConsoleError(
        'FORBIDDEN',
        `You are signed in as ${signIn.email}, but the console is only for your organisation’s administrators: ask one to give you a console role.`,
      );
    }
  });
};
