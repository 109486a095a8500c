import type { FastifyError } from 'fastify';
import {
  AccountMatchNotFoundError,
  ApiKeyNotFoundError,
  DirectoryNotFoundError,
  GroupNotFoundError,
  TenantNotFoundError,
  TokenNotFoundError,
  UserNotFoundError,
} from '../directory/admin-errors.js';
import {
  ConsoleAccessDeniedError,
  LogEntryNotFoundError,
  SignInRefusedError,
  SignInThrottledError,
} from '../directory/console-errors.js';
import { SamlError } from '../saml/errors.js';
import { ScimError } from '../scim/errors.js';

/**
 * Every error code the console shows, with its status. Stable, like the admin API's: docs/console.md
 * lists each one and a test keeps the two in step.
 */
export const CONSOLE_ERRORS = {
  SIGN_IN_REQUIRED: 401,
  SIGN_IN_REFUSED: 401,
  SIGN_IN_THROTTLED: 429,
  FORBIDDEN: 403,
  CSRF_REFUSED: 403,
  CROSS_SITE_REFUSED: 403,
  NOT_FOUND: 404,
  INVALID_VALUE: 400,
  BAD_REQUEST: 400,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SSO_SETTINGS_INVALID: 400,
  IDP_UNREACHABLE: 502,
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

export type ConsoleErrorCode = keyof typeof CONSOLE_ERRORS;

/** An error as the console shows it: a status, a stable code and a sentence for the person. */
export class ConsoleError extends Error {
  readonly status: number;
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
    this.status = CONSOLE_ERRORS[code];
  }
}

const NOT_FOUND = [
  TenantNotFoundError,
  DirectoryNotFoundError,
  TokenNotFoundError,
  UserNotFoundError,
  GroupNotFoundError,
  ApiKeyNotFoundError,
  AccountMatchNotFoundError,
  LogEntryNotFoundError,
];

/**
 * Anything thrown while serving a console request, as a ConsoleError. A client's mistake keeps its
 * message (written for people by the directory layer); anything unexpected says only the request id.
 */
export function toConsoleError(error: unknown, requestId: string): ConsoleError {
  if (error instanceof ConsoleError) return error;
  if (error instanceof SignInRefusedError) return new ConsoleError('SIGN_IN_REFUSED', error.detail);
  if (error instanceof SignInThrottledError) return new ConsoleError('SIGN_IN_THROTTLED', error.detail);
  if (error instanceof ConsoleAccessDeniedError) return new ConsoleError('FORBIDDEN', error.detail);
  // The admin setting SSO up is shown the reason, with the SAML code the docs explain.
  if (error instanceof SamlError)
    return new ConsoleError(
      error.status === 502 ? 'IDP_UNREACHABLE' : 'SSO_SETTINGS_INVALID',
      `${error.reason} (${error.code})`,
    );
  if (error instanceof ScimError) {
    if (NOT_FOUND.some((type) => error instanceof type) || error.status === 404)
      // Not found says the same whether the thing is missing or another tenant's.
      return new ConsoleError('NOT_FOUND', 'There is nothing here, or it is not yours to see.');
    if (error.scimType === 'uniqueness') return new ConsoleError('ALREADY_EXISTS', error.detail);
    if (error.status === 409) return new ConsoleError('CONFLICT', error.detail);
    if (error.status === 403) return new ConsoleError('FORBIDDEN', error.detail);
    if (error.status === 401) return new ConsoleError('SIGN_IN_REQUIRED', error.detail);
    if (error.status === 413) return new ConsoleError('PAYLOAD_TOO_LARGE', error.detail);
    if (error.status < 500) return new ConsoleError('INVALID_VALUE', error.detail);
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError?.statusCode ?? 500;
  if (status === 413) return new ConsoleError('PAYLOAD_TOO_LARGE', 'The form sent too much');
  if (status === 415)
    return new ConsoleError(
      'UNSUPPORTED_MEDIA_TYPE',
      'The console takes its forms as the browser sends them (application/x-www-form-urlencoded); nothing was changed.',
    );
  if (status >= 400 && status < 500) return new ConsoleError('BAD_REQUEST', 'The request could not be read');
  return new ConsoleError(
    'INTERNAL_ERROR',
    `Something went wrong; quote request id ${requestId} when reporting it`,
  );
}
