import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionStep } from '../../../oidc/interaction.js';
import { launchStep } from '../../../oidc/launch.js';
import type { OidcHost } from '../../../oidc/oidc-host.js';
import { renderPage } from '../../../oidc/pages.js';
import type { SsoPort } from '../../../oidc/sso-port.js';
import type { Store } from '../../../store/store.js';

export interface OidcPluginOptions {
  readonly host: OidcHost;
  readonly store: Store;
  readonly sso: SsoPort;
}

/** The issuer is `{publicUrl}/oidc`, whatever Host the request came with. */
function issuerOf(request: FastifyRequest): string {
  return `${request.publicUrl}/oidc`;
}

function page(reply: FastifyReply, status: number, title: string, message: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(title, message));
}

/** oidc-provider's errors carry an OAuth `error` code and a status; they are the person's to see. */
function isProviderError(error: unknown): error is Error & { status: number; error_description?: string } {
  return (
    error instanceof Error && 'error' in error && typeof (error as { status?: unknown }).status === 'number'
  );
}

/**
 * `/oidc`: rollcall's OpenID Provider for the host app. oidc-provider serves the protocol endpoints
 * (discovery, JWKS, authorization, token, userinfo, revocation, end session); rollcall serves the
 * interaction that sends each sign-in through the tenant's SAML SSO, and the IdP-initiated launch.
 */
export async function oidcPlugin(app: FastifyInstance, options: OidcPluginOptions): Promise<void> {
  const { host, store, sso } = options;
  // Bodies reach the provider unread: it parses its own forms and JSON, with its own limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  // What fails before a route answers (a path Fastify cannot decode, a database away) is shown as a
  // plain page, never Fastify's JSON with the error's message in it.
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.info({ err: error }, 'OpenID Connect request refused');
      return page(
        reply,
        status,
        'Sign-in failed',
        'The sign-in request could not be read. Start again from the app.',
      );
    }
    request.log.error({ err: error }, 'OpenID Connect request failed');
    return page(reply, 500, 'Sign-in failed', 'Something went wrong on our side. Start again from the app.');
  });

  const send = async (request: FastifyRequest, reply: FastifyReply, step: InteractionStep) => {
    if (step.kind === 'page') return page(reply, step.status, step.title, step.message);
    const location =
      step.kind === 'finish'
        ? await host.finish(issuerOf(request), request.raw, reply.raw, step.result)
        : step.location;
    return reply.code(303).header('cache-control', 'no-store').redirect(location, 303);
  };

  app.get('/interaction/:uid', async (request, reply) => {
    try {
      return await send(request, reply, await host.interaction(issuerOf(request), request.raw, reply.raw));
    } catch (error) {
      if (!isProviderError(error)) {
        request.log.error({ err: error }, 'OpenID Connect interaction failed');
        return page(
          reply,
          500,
          'Sign-in failed',
          'Something went wrong on our side. Start again from the app.',
        );
      }
      // No interaction cookie, or the interaction expired: the app has to start the sign-in again.
      return page(
        reply,
        error.status,
        'Sign-in expired',
        'This sign-in has expired or was already used. Start again from the app.',
      );
    }
  });

  app.get('/launch/:clientId', async (request, reply) => {
    const { clientId } = request.params as { clientId: string };
    const signIn = await sso.signInOf(request.headers.cookie);
    return send(request, reply, await launchStep(store, clientId, issuerOf(request), signIn));
  });

  // Everything else under /oidc is oidc-provider's: it sees the path below the issuer, and the
  // issuer's scheme and host as the Forwarded headers it trusts, so the URLs it makes are public ones.
  const bridge = async (request: FastifyRequest, reply: FastifyReply) => {
    const issuer = new URL(issuerOf(request));
    const callback = await host.handler(issuer.href.replace(/\/$/, ''));
    const raw = request.raw as typeof request.raw & { originalUrl?: string };
    const url = raw.url ?? '/';
    const below = url.slice(url.indexOf('/oidc') + '/oidc'.length) || '/';
    raw.originalUrl = `${issuer.pathname.replace(/\/$/, '')}${below.startsWith('/') ? below : `/${below}`}`;
    raw.url = below.startsWith('/') ? below : `/${below}`;
    raw.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    raw.headers['x-forwarded-host'] = issuer.host;
    reply.hijack();
    callback(raw, reply.raw);
  };
  app.all('/', bridge);
  app.all('/*', bridge);
}
