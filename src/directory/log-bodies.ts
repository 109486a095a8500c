/**
 * What the provisioning log keeps of a request and its response, for the console's detail view:
 * passwords redacted (Okta sends one on create; a PATCH may replace it), and every part capped, so
 * one large group PATCH cannot swell the log. The bearer token is never part of what is kept.
 */

import { redactQuery } from './url-redaction.js';

/** Characters kept of a body; the rest is cut with a note of how much there was. */
export const LOG_BODY_LIMIT = 8_192;
/** Characters kept of a query string. */
export const LOG_QUERY_LIMIT = 2_048;

export const REDACTED = '[redacted]';

function cap(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [cut: ${text.length} characters in all]`;
}

/** A PATCH operation's path naming the password (`password`, or with the User schema's URN before it). */
function isPasswordPath(path: unknown): boolean {
  return typeof path === 'string' && /(^|:)password$/i.test(path.trim());
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const passwordOp = isPasswordPath(object.path ?? object.Path);
  for (const [key, inner] of Object.entries(object)) {
    if (key.toLowerCase() === 'password') out[key] = REDACTED;
    else if (passwordOp && key.toLowerCase() === 'value') out[key] = REDACTED;
    else out[key] = redact(inner);
  }
  return out;
}

/** The parsed request body as the log keeps it, or null for none. */
export function loggedRequestBody(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  return cap(JSON.stringify(redact(body)), LOG_BODY_LIMIT);
}

/** The response body as the log keeps it (SCIM never returns a password: RFC 7643 §4.1.1 "returned never"). */
export function loggedResponseBody(payload: string | null | undefined): string | null {
  return payload ? cap(payload, LOG_BODY_LIMIT) : null;
}

/** The query string as the log keeps it: secret parameters' values redacted (see url-redaction.ts). */
export function loggedQuery(url: string): string | null {
  const at = url.indexOf('?');
  return at < 0 || at === url.length - 1 ? null : cap(redactQuery(url.slice(at + 1)), LOG_QUERY_LIMIT);
}
