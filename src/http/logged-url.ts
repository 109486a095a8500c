import type { FastifyRequest } from 'fastify';
import { REDACTED_VALUE, redactUrlQuery } from '../directory/url-redaction.js';

/**
 * Paths with a secret segment: the console's one-time sign-in links, and the OpenID Provider's
 * interaction ids (half of what resumes a sign-in; the signed cookie is the other).
 */
const SECRET_SEGMENT = /^(\/console\/link\/|\/oidc\/interaction\/)[^/?#]+/;

/** A request URL as the request log keeps it: secrets in the path and the query string replaced. */
export function loggedUrl(url: string): string {
  return redactUrlQuery(url.replace(SECRET_SEGMENT, `$1${REDACTED_VALUE}`));
}

/**
 * pino's `req` serializer: what Fastify's default logs (method, url, host, remote address), the URL
 * redacted. Fastify logs each request's URL on its "incoming request" line.
 */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: loggedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
