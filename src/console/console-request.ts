import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleOperators } from '../directory/console-operators.js';
import { type ConsoleIdentity, type ConsoleSessions, csrfTokenFor } from '../directory/console-sessions.js';
import type { SsoSessions } from '../directory/sso-sessions.js';
import type { Html } from '../html/html.js';
import type { FetchIdpMetadataOptions } from '../saml/fetch-idp-metadata.js';
import type { Store } from '../store/store.js';
import { ConsoleError } from './console-errors.js';
import type { PageContext } from './layout.js';

/** What the console's routes share. */
export interface ConsoleDeps {
  readonly store: Store;
  readonly sessions: ConsoleSessions;
  readonly operators: ConsoleOperators;
  /** The SSO sessions a tenant admin's sign-in comes from. */
  readonly ssoSessions: SsoSessions;
  /** How IdP metadata is fetched from its URL. */
  readonly samlFetch: FetchIdpMetadataOptions;
}

const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
];

/** Every page's Content-Security-Policy: only the console's own script and stylesheet, forms only to itself. */
export const CSP = [...POLICY, "form-action 'self'"].join('; ');

/**
 * The policy of pages whose forms lead on to the tenant's identity provider (SSO sign-in, Test
 * Connection): browsers apply form-action to the redirects after a form too, and the IdP is elsewhere.
 */
export const CSP_TO_IDP = POLICY.join('; ');

/** What each route plugin of the console is given. */
export interface ConsoleRouteOptions {
  readonly deps: ConsoleDeps;
  readonly assets: PageContext['assets'];
}

export function pageContext(request: FastifyRequest, assets: PageContext['assets']): PageContext {
  const { identity, cookieValue } = request.consoleState;
  return { identity, csrf: identity && cookieValue ? csrfTokenFor(cookieValue) : null, assets };
}

export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.text);
}

/** The identity of a request that passed the session check. */
export function identityOf(request: FastifyRequest): ConsoleIdentity {
  const identity = request.consoleState.identity;
  if (!identity) throw new ConsoleError('SIGN_IN_REQUIRED', 'Sign in to use the console.');
  return identity;
}

/** Only a same-site path into the console is a place to go back to after signing in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(\/[^\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : '/console';
}

export function isHttps(request: FastifyRequest): boolean {
  return request.publicUrl.startsWith('https:') || request.protocol === 'https';
}
