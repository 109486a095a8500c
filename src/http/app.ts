import Fastify, { type FastifyInstance } from 'fastify';
import { ProvisioningLog } from '../directory/provisioning-log.js';
import { ProvisioningService } from '../directory/provisioning-service.js';
import type { Store } from '../store/store.js';
import { rewriteEntraUrl } from './entra-url.js';
import { MAX_BODY_BYTES } from './routes/scim/discovery.js';
import { scimPlugin } from './routes/scim/scim-plugin.js';

export interface AppOptions {
  readonly store: Store;
  /** The URL clients reach rollcall at; defaults to the scheme and Host of each request. */
  readonly publicUrl?: string;
  /** pino logger options, or false for none (tests). */
  readonly logger?: boolean | object;
}

export interface App {
  readonly server: FastifyInstance;
  readonly log: ProvisioningLog;
  /** Stops accepting requests, drains in-flight ones and flushes the provisioning log. */
  close(): Promise<void>;
}

/** Wires the HTTP surface to the services. No business logic lives here. */
export async function buildApp(options: AppOptions): Promise<App> {
  const server = Fastify({
    logger:
      options.logger === false || options.logger === undefined
        ? false
        : {
            ...(typeof options.logger === 'object' ? options.logger : {}),
            redact: ['req.headers.authorization'],
          },
    bodyLimit: MAX_BODY_BYTES,
    rewriteUrl: (request) => rewriteEntraUrl(request.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  });
  const log = new ProvisioningLog(options.store, 50, (error) =>
    server.log.error({ err: error }, 'provisioning log write failed'),
  );
  const service = new ProvisioningService(options.store);
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');

  server.decorateRequest('scim', null as never);
  server.decorateRequest('publicUrl', '');
  server.addHook('onRequest', async (request) => {
    request.publicUrl = publicUrl ?? `${request.protocol}://${request.host}`;
  });

  server.get('/healthz', async () => ({ status: 'ok' }));
  await server.register(scimPlugin, { prefix: '/scim/v2/:directoryId', store: options.store, service, log });

  return {
    server,
    log,
    async close() {
      await server.close();
      await log.flush();
    },
  };
}
