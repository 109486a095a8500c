import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SignInRefusedError, SignInThrottledError } from '../../directory/console-errors.js';
import { CONSOLE_COOKIE, type OpenedSession } from '../../directory/console-sessions.js';
import {
  type ConsoleRouteOptions,
  CSP_TO_IDP,
  isHttps,
  pageContext,
  safeNext,
  sendPage,
} from '../console-request.js';
import { PUBLIC_FORM_LIMIT } from '../form-limits.js';
import { linkPage, signInPage } from '../pages/sign-in-page.js';

type Form = Record<string, string | undefined>;

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure on https, for the console's paths only. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, opened: OpenedSession): void {
  reply.setCookie(CONSOLE_COOKIE, opened.cookieValue, {
    path: '/console',
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request),
    expires: new Date(opened.expires),
  });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(CONSOLE_COOKIE, {
    path: '/console',
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request),
  });
}

/** Operators sign in with a password or a one-time link; everyone signs out. */
export const signInRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, { deps, assets }) => {
  app.get<{ Querystring: Form }>('/sign-in', { config: { public: true } }, async (request, reply) => {
    if (request.consoleState.identity) return reply.redirect(safeNext(request.query.next), 303);
    reply.header('Content-Security-Policy', CSP_TO_IDP);
    return sendPage(
      reply,
      signInPage(pageContext(request, assets), {
        ...(request.query.next && { next: safeNext(request.query.next) }),
        notice: request.query['signed-out'] ? 'You are signed out.' : null,
      }),
    );
  });

  app.post<{ Body: Form }>(
    '/sign-in',
    { config: { public: true }, bodyLimit: PUBLIC_FORM_LIMIT },
    async (request, reply) => {
      const email = String(request.body?.email ?? '');
      const password = String(request.body?.password ?? '');
      const next = safeNext(request.body?.next);
      try {
        const operator = await deps.operators.signIn(email, password, request.ip);
        await deps.sessions.end(request.consoleState.cookieValue);
        setSessionCookie(request, reply, await deps.sessions.openForOperator(operator));
        return reply.redirect(next, 303);
      } catch (error) {
        const throttled = error instanceof SignInThrottledError;
        if (!(error instanceof SignInRefusedError) && !throttled) throw error;
        if (throttled) reply.header('Retry-After', String(error.retryAfterSeconds));
        reply.header('Content-Security-Policy', CSP_TO_IDP);
        return sendPage(
          reply,
          signInPage(pageContext(request, assets), { email, next, error: error.detail }),
          throttled ? 429 : 401,
        );
      }
    },
  );

  app.get<{ Params: { secret: string } }>(
    '/link/:secret',
    { config: { public: true } },
    async (request, reply) => {
      // The secret is in this URL; Referrer-Policy: same-origin (every page's) keeps it from other
      // sites. no-referrer would make the browser send `Origin: null` with the form: cross-site.
      return sendPage(reply, linkPage(pageContext(request, assets), request.params.secret));
    },
  );

  // A link is used by a POST from its page, so a link scanner's GET does not spend it.
  app.post<{ Body: Form }>(
    '/link',
    { config: { public: true }, bodyLimit: PUBLIC_FORM_LIMIT },
    async (request, reply) => {
      const operator = await deps.operators.useLink(String(request.body?.secret ?? ''));
      await deps.sessions.end(request.consoleState.cookieValue);
      setSessionCookie(request, reply, await deps.sessions.openForOperator(operator));
      return reply.redirect('/console', 303);
    },
  );

  app.post('/sign-out', async (request, reply) => {
    await deps.sessions.end(request.consoleState.cookieValue);
    clearSessionCookie(request, reply);
    return reply.redirect('/console/sign-in?signed-out=1', 303);
  });
};
