import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId, now } from '../../../directory/clock.js';
import type { ProvisioningLog } from '../../../directory/provisioning-log.js';
import type { ProvisioningService } from '../../../directory/provisioning-service.js';
import { authenticateScimRequest } from '../../../directory/scim-auth.js';
import { NotFoundError } from '../../../scim/errors.js';
import type { Store } from '../../../store/store.js';
import { sendScimError, toScimError } from '../../plugins/scim-errors.js';
import { discoveryRoutes } from './discovery.js';
import { groupOperations, resourceRoutes, userOperations } from './resource-routes.js';
import { baseUrlOf } from './scim-reply.js';

export interface ScimPluginOptions {
  readonly store: Store;
  readonly service: ProvisioningService;
  readonly log: ProvisioningLog;
}

/** Media types SCIM clients send; anything else with a body is parsed as JSON too (RFC 7644 §3.1 only requires JSON). */
function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body === '') return done(null, undefined);
  try {
    done(null, JSON.parse(body, (key, value) => (key === '__proto__' ? undefined : value)));
  } catch (error) {
    done(error as Error);
  }
}

/** Everything under `/scim/v2/{directoryId}`: auth, discovery, Users, Groups, errors and the provisioning log. */
export async function scimPlugin(app: FastifyInstance, options: ScimPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);

  app.addHook('onRequest', async (request) => {
    request.scim = { operation: 'request', started: process.hrtime.bigint() };
    const { directoryId } = request.params as { directoryId: string };
    const auth = await authenticateScimRequest(options.store, directoryId, request.headers.authorization);
    request.scim.context = { ...auth, baseUrl: baseUrlOf(request) };
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = request.scim;
    const context = state?.context;
    // Requests without a valid token belong to no directory, so they are not in any directory's log.
    if (!context) return;
    options.log.record({
      id: newId(),
      tenantId: context.tenantId,
      directoryId: context.directoryId,
      at: now(),
      method: request.method,
      path: request.url.split('?')[0]!,
      operation: state.operation,
      resourceType: state.resourceType ?? null,
      resourceId: state.resourceId ?? null,
      resourceName: state.resourceName ?? null,
      status: reply.statusCode,
      scimType: state.error?.scimType ?? null,
      detail: state.error?.detail ?? null,
      durationMs: Number(process.hrtime.bigint() - state.started) / 1e6,
      client: request.headers['user-agent'] ?? null,
    });
  });

  app.setErrorHandler((error: Error, request, reply) => {
    const scimError = toScimError(error, request.id);
    if (request.scim) request.scim.error = { ...(scimError.scimType && { scimType: scimError.scimType }), detail: scimError.detail };
    return sendScimError(reply, request, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendScimError(reply, request, new NotFoundError(`No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(discoveryRoutes);
  await app.register(resourceRoutes(userOperations(options.service)));
  await app.register(resourceRoutes(groupOperations(options.service)));
}
