import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScimContext } from '../../../directory/provisioning-service.js';
import type { JsonObject } from '../../../scim/json/json-value.js';
import { etagOf } from '../../../scim/resource/render-resource.js';
import type { Scope } from '../../../store/ports.js';
import { SCIM_CONTENT_TYPE } from '../../plugins/scim-errors.js';

/** What the provisioning log records about the request being served; filled in as it goes. */
export interface ScimRequestState {
  context?: ScimContext;
  /** The directory whose provisioning log records this request. */
  logScope?: Scope;
  operation: string;
  resourceType?: 'User' | 'Group';
  resourceId?: string;
  resourceName?: string;
  error?: { scimType?: string; detail: string };
  /** What a successful change did that an admin should see (role change, restore, link). */
  note?: string;
  /** The response body, kept for changes and errors (the log's detail view). */
  responseBody?: string;
  started: bigint;
}

declare module 'fastify' {
  interface FastifyRequest {
    scim: ScimRequestState;
    publicUrl: string;
  }
}

export function sendScim(
  reply: FastifyReply,
  status: number,
  body: JsonObject,
  version?: number,
): FastifyReply {
  if (version !== undefined) reply.header('ETag', etagOf(version));
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

/** `{publicUrl}/scim/v2/{directoryId}`: the Tenant URL an admin pastes into Entra. */
export function baseUrlOf(request: FastifyRequest): string {
  const { directoryId } = request.params as { directoryId: string };
  return `${request.publicUrl}/scim/v2/${directoryId}`;
}

export function contextOf(request: FastifyRequest): ScimContext {
  const context = request.scim.context;
  if (!context) throw new Error('SCIM route served without authentication');
  return context;
}
