import type { FastifyError } from 'fastify';
import {
  AccountMatchNotFoundError,
  ApiKeyNotFoundError,
  DirectoryNotFoundError,
  GroupNotFoundError,
  TenantNotFoundError,
  TokenNotFoundError,
  UserNotFoundError,
} from '../../../directory/admin-errors.js';
import {
  SamlConnectionNotFoundError,
  SamlTestNotFoundError,
} from '../../../directory/saml-connection-service.js';
import { OidcClientNotFoundError } from '../../../oidc/oidc-clients.js';
import { SamlError } from '../../../saml/errors.js';
import { ScimError } from '../../../scim/errors.js';

/**
 * Every error code the admin API answers with, and its HTTP status. Codes are stable: clients
 * branch on them, so a code is never renamed or reused. docs/api.md documents each one; a test
 * keeps the two in step (as fastify's lib/errors.js test does for its README).
 */
export const API_ERRORS = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TENANT_NOT_FOUND: 404,
  DIRECTORY_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  MATCH_NOT_FOUND: 404,
  OIDC_CLIENT_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_VALUE: 400,
  INVALID_FILTER: 400,
  INVALID_CURSOR: 400,
  BAD_REQUEST: 400,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  SAML_NOT_CONFIGURED: 404,
  SAML_TEST_NOT_FOUND: 404,
  SAML_CONFIG_INVALID: 400,
  SAML_METADATA_INVALID: 400,
  SAML_METADATA_FETCH_FAILED: 502,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error as the admin API answers it: `{ code, message, field? }` with the code's status. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The request field at fault, e.g. `body.roles[0].value` or `query.limit`. */
    readonly field?: string,
  ) {
    super(message);
    this.status = API_ERRORS[code];
  }

  toJSON(): { code: ApiErrorCode; message: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.field !== undefined && { field: this.field }) };
  }
}

/** The missing-thing classes of the directory layer, most specific first. */
const NOT_FOUND: readonly [abstract new (...args: never[]) => Error, ApiErrorCode][] = [
  [TenantNotFoundError, 'TENANT_NOT_FOUND'],
  [DirectoryNotFoundError, 'DIRECTORY_NOT_FOUND'],
  [TokenNotFoundError, 'TOKEN_NOT_FOUND'],
  [UserNotFoundError, 'USER_NOT_FOUND'],
  [GroupNotFoundError, 'GROUP_NOT_FOUND'],
  [ApiKeyNotFoundError, 'API_KEY_NOT_FOUND'],
  [AccountMatchNotFoundError, 'MATCH_NOT_FOUND'],
  [OidcClientNotFoundError, 'OIDC_CLIENT_NOT_FOUND'],
  [SamlConnectionNotFoundError, 'SAML_NOT_CONFIGURED'],
  [SamlTestNotFoundError, 'SAML_TEST_NOT_FOUND'],
];

/** SAML configuration errors (the connection, its certificates, its metadata); sign-in codes never reach the API. */
function fromSamlError(error: SamlError): ApiError {
  switch (error.code) {
    case 'METADATA_INVALID':
    case 'METADATA_TOO_LARGE':
    case 'XML_UNSAFE':
      return new ApiError('SAML_METADATA_INVALID', `${error.code}: ${error.reason}`);
    case 'METADATA_FETCH_FAILED':
      return new ApiError('SAML_METADATA_FETCH_FAILED', error.reason);
    default:
      return new ApiError('SAML_CONFIG_INVALID', error.reason);
  }
}

function fromScimError(error: ScimError): ApiError {
  for (const [type, code] of NOT_FOUND) if (error instanceof type) return new ApiError(code, error.detail);
  switch (error.scimType) {
    case 'uniqueness':
      return new ApiError('ALREADY_EXISTS', error.detail);
    case 'invalidFilter':
      return new ApiError('INVALID_FILTER', error.detail);
    case 'invalidCursor':
    case 'expiredCursor':
      return new ApiError('INVALID_CURSOR', error.detail);
    case 'invalidValue':
      return new ApiError('INVALID_VALUE', error.detail);
  }
  const byStatus: Partial<Record<number, ApiErrorCode>> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    412: 'PRECONDITION_FAILED',
    413: 'PAYLOAD_TOO_LARGE',
  };
  const code = byStatus[error.status] ?? (error.status < 500 ? 'BAD_REQUEST' : undefined);
  // A ScimError's detail is written for clients; a 5xx one is still not echoed.
  return code ? new ApiError(code, error.detail) : internal();
}

interface ValidationIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** `/roles/0/value` under `body` → `body.roles[0].value`. */
function fieldName(part: string, instancePath: string, child?: unknown): string {
  const segments = instancePath.split('/').slice(1);
  if (typeof child === 'string') segments.push(child);
  return segments.reduce(
    (name, s) =>
      /^\d+$/.test(s) ? `${name}[${s}]` : `${name}.${s.replaceAll('~1', '/').replaceAll('~0', '~')}`,
    part,
  );
}

/** The first schema violation as a field and a sentence, e.g. `body.name` "must not have fewer than 1 characters". */
function fromValidation(error: FastifyError): ApiError {
  const part = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'request');
  const issues = (error.validation ?? []) as unknown as ValidationIssue[];
  // TypeBox reports an unknown property twice ("schema is false", then additionalProperties); keep the clearer one.
  const issue =
    issues.find((i) => i.keyword === 'additionalProperties' || i.keyword === 'required') ??
    issues.find((i) => i.keyword !== 'boolean') ??
    issues[0];
  if (!issue) return new ApiError('VALIDATION_FAILED', error.message);
  if (issue.keyword === 'required') {
    const missing =
      (issue.params.requiredProperties as string[] | undefined)?.[0] ?? issue.params.missingProperty;
    const field = fieldName(part, issue.instancePath, missing);
    return new ApiError('VALIDATION_FAILED', `${field} is required`, field);
  }
  if (issue.keyword === 'additionalProperties') {
    const extra =
      (issue.params.additionalProperties as string[] | undefined)?.[0] ?? issue.params.additionalProperty;
    const field = fieldName(part, issue.instancePath, extra);
    return new ApiError('VALIDATION_FAILED', `${field} is not a known field`, field);
  }
  const field = fieldName(part, issue.instancePath);
  const allowed = issue.params.allowedValues as unknown[] | undefined;
  const message =
    issue.keyword === 'enum' && allowed
      ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
      : (issue.message ?? 'is not valid');
  return new ApiError('VALIDATION_FAILED', `${field} ${message}`, field);
}

function internal(requestId?: string): ApiError {
  return new ApiError(
    'INTERNAL_ERROR',
    requestId ? `Internal error; quote request id ${requestId} when reporting it` : 'Internal error',
  );
}

/**
 * Maps anything thrown while serving an admin request to an ApiError. Client mistakes get their
 * code; anything unexpected is INTERNAL_ERROR naming only the request id, never the internal message.
 */
export function toApiError(error: unknown, requestId: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SamlError) return fromSamlError(error);
  if (error instanceof ScimError) {
    const mapped = fromScimError(error);
    return mapped.code === 'INTERNAL_ERROR' ? internal(requestId) : mapped;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) return fromValidation(fastifyError);
  const code = fastifyError?.code ?? '';
  const status = fastifyError?.statusCode ?? 500;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413)
    return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415)
    return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json');
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
    return new ApiError('INVALID_JSON', 'The request body is not valid JSON');
  if (status >= 400 && status < 500) return new ApiError('BAD_REQUEST', fastifyError.message);
  return internal(requestId);
}
