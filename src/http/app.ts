import Fastify, { type FastifyInstance } from 'fastify';
import { consolePlugin } from '../console/console-plugin.js';
import { DEFAULT_LOG_RETENTION_DAYS } from '../directory/log-retention.js';
import { Maintenance, serverJobs } from '../directory/maintenance.js';
import { ProvisioningLog } from '../directory/provisioning-log.js';
import { ProvisioningService } from '../directory/provisioning-service.js';
import { certificateExpiryJob, metadataRefreshJob, ssoPurgeJob } from '../directory/saml-maintenance.js';
import { SamlSignInService } from '../directory/saml-sign-in.js';
import { SsoSessions } from '../directory/sso-sessions.js';
import { OidcHost } from '../oidc/oidc-host.js';
import type { RotationPolicy } from '../oidc/signing-keys.js';
import { ssoPortOf } from '../oidc/sso-port.js';
import type { FetchIdpMetadataOptions } from '../saml/fetch-idp-metadata.js';
import type { Store } from '../store/store.js';
import { rewriteEntraUrl } from './entra-url.js';
import { answerFrameworkError } from './framework-errors.js';
import { serializeRequest } from './logged-url.js';
import { DebugRequestLog } from './request-log.js';
import { originOfRequest } from './request-origin.js';
import { apiPlugin } from './routes/api/api-plugin.js';
import { oidcPlugin } from './routes/oidc/oidc-plugin.js';
import { MAX_BODY_BYTES } from './routes/scim/discovery.js';
import { scimPlugin } from './routes/scim/scim-plugin.js';
import { ssoPlugin } from './routes/sso/sso-plugin.js';

export interface AppOptions {
  readonly store: Store;
  /** The URL clients reach rollcall at; defaults to the scheme and Host of each request. */
  readonly publicUrl?: string;
  /** pino logger options, or false for none (tests). */
  readonly logger?: boolean | object;
  /** Days provisioning-log rows are kept (default 30); the server purges older ones hourly. */
  readonly logRetentionDays?: number;
  /**
   * The secret key (see secret-key.ts) that seals the OpenID Provider's keys and records. With it,
   * the OpenID Provider for the host app is served under `/oidc`; without it, not.
   */
  readonly secretKey?: Buffer;
  /** When the OpenID Provider's signing keys rotate (default: see oidc/signing-keys.ts). */
  readonly oidcKeyRotation?: RotationPolicy;
  /** The clock the OpenID Provider's key rotation reads (tests move it; default Date.now). */
  readonly oidcClock?: () => number;
  /** How IdP metadata is fetched from its URL (timeout, size; tests allow plain http to a local IdP). */
  readonly samlMetadataFetch?: FetchIdpMetadataOptions;
}

/** A route as registered: its method and full URL pattern (`/console/t/:slug`). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

export interface App {
  readonly server: FastifyInstance;
  /**
   * Every route the server registered, so checks that must cover all of them (tenant isolation)
   * list them from here rather than by hand.
   */
  readonly routes: readonly RouteEntry[];
  readonly log: ProvisioningLog;
  /** The hourly jobs (log retention, soft-deleted users, token expiry); started when the server is ready. */
  readonly maintenance: Maintenance;
  /** The OpenID Provider, when the app was given a secret key. */
  readonly oidc: OidcHost | undefined;
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
            // Request URLs are logged with their secrets (tokens, codes, one-time links) redacted.
            serializers: { req: serializeRequest },
          },
    logController: new DebugRequestLog(),
    bodyLimit: MAX_BODY_BYTES,
    rewriteUrl: (request) => rewriteEntraUrl(request.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    frameworkErrors: answerFrameworkError,
  });
  const log = new ProvisioningLog(options.store, 50, (error) =>
    server.log.error({ err: error }, 'provisioning log write failed'),
  );
  const service = new ProvisioningService(options.store);
  const sessions = new SsoSessions(options.store);
  const sso = ssoPortOf(options.store, sessions);
  const oidc = options.secretKey
    ? new OidcHost({
        store: options.store,
        secretKey: options.secretKey,
        sso,
        log: server.log,
        ...(options.oidcKeyRotation && { rotation: options.oidcKeyRotation }),
        ...(options.oidcClock && { clock: options.oidcClock }),
      })
    : undefined;
  const maintenance = new Maintenance(
    [
      ...serverJobs(options.store, { logRetentionDays: options.logRetentionDays }),
      ...(oidc ? [oidc.purgeJob()] : []),
      metadataRefreshJob(options.store, options.samlMetadataFetch),
      certificateExpiryJob(options.store),
      ssoPurgeJob(options.store, options.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS),
    ],
    server.log,
  );
  server.addHook('onReady', async () => maintenance.start());
  server.addHook('onClose', async () => {
    oidc?.stop();
    await maintenance.stop();
  });
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const routes: RouteEntry[] = [];
  server.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  server.decorateRequest('scim', null as never);
  server.decorateRequest('publicUrl', '');
  server.addHook('onRequest', async (request, reply) => {
    const origin = publicUrl ?? originOfRequest(request.protocol, request.host);
    if (origin === undefined)
      return reply.code(400).send({ error: 'bad_request', message: 'The Host header does not name a host' });
    request.publicUrl = origin;
  });

  // While closing, answers end their connection: a keep-alive connection left open after its
  // request would hold close() (and a SIGTERM'd node) until the client dropped it.
  let closing = false;
  server.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  server.get('/healthz', async () => ({ status: 'ok' }));
  // Ready: the database answers and has run every migration this build needs. A schema a newer
  // rollcall has migrated further (expand-only migrations) keeps this node ready, so the old nodes
  // go on serving during a rolling deploy; such a node would refuse to start again.
  server.get('/readyz', async (request, reply) => {
    let status: Awaited<ReturnType<Store['schemaStatus']>>;
    try {
      status = await options.store.schemaStatus();
    } catch (error) {
      request.log.warn({ err: error }, 'readiness: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
    const migrations = { pending: status.pending, unknown: status.unknown };
    if (status.pending.length > 0)
      return reply.code(503).send({ status: 'unavailable', database: 'behind', migrations });
    return { status: 'ready', database: status.unknown.length > 0 ? 'newer' : 'current', migrations };
  });
  await server.register(scimPlugin, { prefix: '/scim/v2/:directoryId', store: options.store, service, log });
  await server.register(apiPlugin, {
    prefix: '/api/v1',
    store: options.store,
    logRetentionDays: options.logRetentionDays,
    ...(options.samlMetadataFetch && { samlMetadataFetch: options.samlMetadataFetch }),
  });
  await server.register(ssoPlugin, {
    prefix: '/sso/:tenant',
    sessions,
    signIn: new SamlSignInService(options.store, {
      sessions,
      ...(options.samlMetadataFetch && { fetchOptions: options.samlMetadataFetch }),
    }),
  });
  await server.register(consolePlugin, {
    prefix: '/console',
    store: options.store,
    ssoSessions: sessions,
    ...(options.samlMetadataFetch && { samlMetadataFetch: options.samlMetadataFetch }),
  });
  if (oidc) await server.register(oidcPlugin, { prefix: '/oidc', host: oidc, store: options.store, sso });

  return {
    server,
    routes,
    log,
    maintenance,
    oidc,
    async close() {
      closing = true;
      // Connections that finish a response just as close() starts go idle after fastify closed the
      // idle ones; close those too, as they come.
      const sweep = setInterval(() => server.server.closeIdleConnections(), 100);
      try {
        await server.close();
      } finally {
        clearInterval(sweep);
      }
      await log.flush();
    },
  };
}
