import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId, now } from '../../../directory/clock.js';
import { loggedQuery, loggedRequestBody, loggedResponseBody } from '../../../directory/log-bodies.js';
import type { ProvisioningLog } from '../../../directory/provisioning-log.js';
import type { ProvisioningService } from '../../../directory/provisioning-service.js';
import { authenticateScimRequest } from '../../../directory/scim-auth.js';
import { InvalidValueError, NotFoundError } from '../../../scim/errors.js';
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
function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
): void {
  if (body === '') {
    done(null, undefined);
    return;
  }
  try {
    done(
      null,
      JSON.parse(body, (key, value) => {
        // No store holds a NUL (see store/dialects/unstorable-text.ts), and in a JSON attribute
        // PostgreSQL would take it and then fail every filter cast over the row: refused here.
        if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000')))
          throw new InvalidValueError(
            `${key ? `"${key.split('\u0000').join('\\u0000')}"` : 'A value'} holds the NUL character (U+0000), which cannot be stored`,
          );
        return key === '__proto__' ? undefined : value;
      }),
    );
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
    try {
      const auth = await authenticateScimRequest(options.store, directoryId, request.headers.authorization);
      request.scim.context = { ...auth, baseUrl: baseUrlOf(request) };
      request.scim.logScope = auth;
      if (auth.expiryWarning) request.scim.note = auth.expiryWarning;
    } catch (error) {
      // A refused request is logged in the directory its URL names, if that exists: an admin whose
      // "Test Connection" fails sees why in the provisioning log.
      const directory = await options.store.repositories.tenants.directoryById(directoryId);
      if (directory) request.scim.logScope = { tenantId: directory.tenantId, directoryId: directory.id };
      throw error;
    }
  });

  // A read's response is what the resource is now; a change's or an error's is worth keeping.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.scim && typeof payload === 'string' && (request.method !== 'GET' || reply.statusCode >= 400))
      request.scim.responseBody = payload;
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const state = request.scim;
    const scope = state?.logScope;
    // A request naming no existing directory belongs in no directory's log.
    if (!scope) return;
    options.log.record({
      id: newId(),
      tenantId: scope.tenantId,
      directoryId: scope.directoryId,
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
      note: state.note ?? null,
      query: loggedQuery(request.url),
      requestBody: loggedRequestBody(request.body),
      responseBody: loggedResponseBody(state.responseBody),
    });
  });

  app.setErrorHandler((error: Error, request, reply) => {
    const scimError = toScimError(error, request.id);
    if (request.scim)
      request.scim.error = {
        ...(scimError.scimType && { scimType: scimError.scimType }),
        detail: scimError.detail,
      };
    return sendScimError(reply, request, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendScimError(
      reply,
      request,
      new NotFoundError(`No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  await app.register(discoveryRoutes);
  await app.register(resourceRoutes(userOperations(options.service)));
  await app.register(resourceRoutes(groupOperations(options.service)));
}
