import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConsoleOperators } from '../directory/console-operators.js';
import {
  CONSOLE_COOKIE,
  type ConsoleIdentity,
  ConsoleSessions,
  csrfTokenMatches,
} from '../directory/console-sessions.js';
import { SsoSessions } from '../directory/sso-sessions.js';
import type { FetchIdpMetadataOptions } from '../saml/fetch-idp-metadata.js';
import type { Store } from '../store/store.js';
import { ConsoleError, toConsoleError } from './console-errors.js';
import { type ConsoleDeps, CSP, pageContext, sendPage } from './console-request.js';
import { FORM_LIMIT, formatBytes } from './form-limits.js';
import { errorPage } from './pages/error-page.js';
import { auditRoutes } from './routes/audit-routes.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { resourceRoutes } from './routes/resource-routes.js';
import { signInRoutes } from './routes/sign-in-routes.js';
import { ssoRoutes } from './routes/sso-routes.js';
import { tenantRoutes } from './routes/tenant-routes.js';

export interface ConsolePluginOptions {
  readonly store: Store;
  /** The server's SSO sessions (a tenant admin signs in through one). */
  readonly ssoSessions?: SsoSessions;
  readonly samlMetadataFetch?: FetchIdpMetadataOptions;
  /** Session timeouts (defaults: 30 minutes idle, 12 hours in all). */
  readonly sessionIdleMinutes?: number;
  readonly sessionAbsoluteHours?: number;
}

interface ConsoleRequestState {
  readonly identity: ConsoleIdentity | null;
  readonly cookieValue: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the console request is from (null: nobody signed in), and the session cookie. */
    consoleState: ConsoleRequestState;
  }
  interface FastifyContextConfig {
    /** Served without a console session (sign-in, assets). */
    public?: boolean;
    /** What the 413 page says when this route's form is over its limit (default: the limit). */
    tooLarge?: string;
  }
}

interface Asset {
  readonly body: string;
  readonly type: string;
  readonly path: string;
}

/** The stylesheet and script, read once; their URLs carry a content hash so a new version is never a stale cache. */
async function loadAssets(): Promise<Record<'css' | 'js', Asset>> {
  const load = async (file: string, type: string): Promise<Asset> => {
    const body = await readFile(new URL(`../../assets/console/${file}`, import.meta.url), 'utf8');
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    return { body, type, path: `/console/assets/${file}?v=${hash}` };
  };
  return { css: await load('console.css', 'text/css'), js: await load('console.js', 'text/javascript') };
}

/** The request's own origin, as the browser sends it in `Origin`. */
function ownOrigins(request: FastifyRequest): string[] {
  const origins = [`${request.protocol}://${request.host}`];
  try {
    origins.push(new URL(request.publicUrl).origin);
  } catch {}
  return origins;
}

/** Refuses a change sent from another site (defence in depth behind SameSite and the CSRF token). */
function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new ConsoleError(
      'CROSS_SITE_REFUSED',
      'This form was sent from another site; nothing was changed.',
    );
  if (origin !== undefined && !ownOrigins(request).includes(origin))
    throw new ConsoleError(
      'CROSS_SITE_REFUSED',
      'This form was sent from another site; nothing was changed.',
    );
}

/**
 * The admin console at /console: server-rendered pages (no front-end build), sessions in the
 * database behind an HttpOnly, SameSite=Lax cookie, a CSRF token on every change, and the
 * directory layer underneath (it never touches the store itself).
 */
export async function consolePlugin(app: FastifyInstance, options: ConsolePluginOptions): Promise<void> {
  await app.register(cookie);
  // Forms only: a change sent as JSON, text or multipart is refused (415) before any route sees it.
  // A browser form from another site is a form too (SameSite, Origin and the CSRF token stop that);
  // this keeps what can reach a route to what the console's own pages send.
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: FORM_LIMIT });
  // Each route's limit is its own (the SSO form's is larger, the public forms' smaller); the rest
  // get FORM_LIMIT, set on the route so the 413 page can say it.
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= FORM_LIMIT;
  });
  const deps: ConsoleDeps = {
    store: options.store,
    sessions: new ConsoleSessions(options.store, {
      ...(options.sessionIdleMinutes !== undefined && { idleMinutes: options.sessionIdleMinutes }),
      ...(options.sessionAbsoluteHours !== undefined && { absoluteHours: options.sessionAbsoluteHours }),
    }),
    operators: new ConsoleOperators(options.store),
    ssoSessions: options.ssoSessions ?? new SsoSessions(options.store),
    samlFetch: options.samlMetadataFetch ?? {},
  };
  const assets = await loadAssets();
  const paths = { css: assets.css.path, js: assets.js.path };

  app.decorateRequest('consoleState', null as never);
  app.addHook('onRequest', async (request) => {
    const cookieValue = request.cookies[CONSOLE_COOKIE];
    const isAsset = request.url.startsWith('/console/assets/');
    request.consoleState = {
      identity: isAsset ? null : await deps.sessions.resolve(cookieValue),
      cookieValue,
    };
  });

  // Every change: same origin, and (with a session) the session's CSRF token.
  app.addHook('preHandler', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (!request.routeOptions.config.public && !request.consoleState.identity)
        throw new ConsoleError('SIGN_IN_REQUIRED', 'Sign in to use the console.');
      return;
    }
    checkSameOrigin(request);
    if (request.routeOptions.config.public) return;
    const { identity, cookieValue } = request.consoleState;
    if (!identity || !cookieValue) throw new ConsoleError('SIGN_IN_REQUIRED', 'Sign in to use the console.');
    const token = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!csrfTokenMatches(cookieValue, token))
      throw new ConsoleError(
        'CSRF_REFUSED',
        'This form is out of date or was not sent from this console; nothing was changed. Reload the page and try again.',
      );
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    if (!reply.hasHeader('referrer-policy')) reply.header('Referrer-Policy', 'same-origin');
    if (!request.url.startsWith('/console/assets/')) {
      // Pages show secrets once (a new token) and tenant data: never keep them in a cache.
      reply.header('Cache-Control', 'no-store');
      if (!reply.hasHeader('content-security-policy')) reply.header('Content-Security-Policy', CSP);
    }
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    let consoleError = toConsoleError(error, request.id);
    if (consoleError.code === 'PAYLOAD_TOO_LARGE')
      consoleError = new ConsoleError(
        'PAYLOAD_TOO_LARGE',
        request.routeOptions.config?.tooLarge ??
          `This form can send at most ${formatBytes(request.routeOptions.bodyLimit)}; nothing was changed.`,
      );
    if (consoleError.status >= 500) request.log.error({ err: error }, 'console request failed');
    if (consoleError.code === 'SIGN_IN_REQUIRED' && request.method === 'GET')
      return reply.redirect(`/console/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    return sendPage(reply, errorPage(pageContext(request, paths), consoleError), consoleError.status);
  });
  app.setNotFoundHandler((request, reply) =>
    sendPage(
      reply,
      errorPage(
        pageContext(request, paths),
        new ConsoleError('NOT_FOUND', 'There is no such page in the console.'),
      ),
      404,
    ),
  );

  for (const asset of [assets.css, assets.js])
    app.get(
      asset.path.split('?')[0]!.replace('/console', ''),
      { config: { public: true } },
      async (_request, reply) =>
        reply
          .type(`${asset.type}; charset=utf-8`)
          .header('Cache-Control', 'public, max-age=31536000, immutable')
          .send(asset.body),
    );

  app.get('/', { config: { public: true } }, async (request, reply) => {
    const identity = request.consoleState.identity;
    if (!identity) return reply.redirect('/console/sign-in', 303);
    return reply.redirect(
      identity.kind === 'operator'
        ? '/console/tenants'
        : `/console/t/${encodeURIComponent(identity.tenantSlug)}`,
      303,
    );
  });

  const routeOptions = { deps, assets: paths };
  await app.register(signInRoutes, routeOptions);
  await app.register(tenantRoutes, routeOptions);
  await app.register(directoryRoutes, routeOptions);
  await app.register(resourceRoutes, routeOptions);
  await app.register(logRoutes, routeOptions);
  await app.register(auditRoutes, routeOptions);
  await app.register(ssoRoutes, routeOptions);
}
