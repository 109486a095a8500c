import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../scim/errors.js';
import { ERROR, SCIM_MEDIA_TYPE } from '../../scim/urns.js';

export const SCIM_CONTENT_TYPE = `${SCIM_MEDIA_TYPE}; charset=utf-8`;

/** RFC 7644 §3.12 error body; `status` is a string there. */
export function scimErrorBody(error: ScimError): Record<string, unknown> {
  return {
    schemas: [ERROR],
    status: String(error.status),
    ...(error.scimType !== undefined && { scimType: error.scimType }),
    detail: error.detail,
  };
}

/**
 * Maps any error raised while serving a SCIM request to a SCIM error. Client mistakes that Fastify
 * detects (bad JSON, body too large, unsupported media type) get their SCIM form; anything else is
 * a 500 whose detail names only the request id, never the internal message.
 */
export function toScimError(error: FastifyError | Error, requestId: string): ScimError {
  if (error instanceof ScimError) return error;
  const fastifyError = error as FastifyError;
  const code = fastifyError.code ?? '';
  const status = fastifyError.statusCode ?? 500;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413)
    return new ScimError(413, 'The request body is too large');
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  )
    return new ScimError(400, 'The request body is not valid JSON', 'invalidSyntax');
  if (status >= 400 && status < 500)
    return new ScimError(status, fastifyError.message, status === 400 ? 'invalidSyntax' : undefined);
  return new ScimError(500, `Internal error; quote request id ${requestId} when reporting it`);
}

export function sendScimError(
  reply: FastifyReply,
  request: FastifyRequest,
  error: FastifyError | Error,
): FastifyReply {
  const scimError = toScimError(error, request.id);
  if (scimError.status >= 500) request.log.error({ err: error }, 'SCIM request failed');
  if (scimError.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="rollcall SCIM"');
  return reply.code(scimError.status).type(SCIM_CONTENT_TYPE).send(scimErrorBody(scimError));
}
