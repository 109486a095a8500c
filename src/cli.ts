import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONSOLE_USAGE, consoleCommand } from './cli-console.js';
import { type Config, type ConfigFlags, loadConfig } from './config.js';
import { AdminService, type DirectoryChanges } from './directory/admin-service.js';
import { ConsoleOperators } from './directory/console-operators.js';
import {
  type DirectorySettings,
  parseSettings,
  type RoleDefinition,
} from './directory/directory-settings.js';
import { type LifecycleChanges, LifecycleService } from './directory/lifecycle-service.js';
import {
  type SamlConnectionInput,
  SamlConnectionService,
  type SamlConnectionView,
} from './directory/saml-connection-service.js';
import type { SamlTestView } from './directory/saml-tests.js';
import { directoryJson, matchJson, userSummary } from './http/routes/api/views.js';
import { boundHeapGrowth } from './memory-bounds.js';
import { OidcClients } from './oidc/oidc-clients.js';
import { SecretKeyMismatchError } from './oidc/signing-keys.js';
import { SamlError } from './saml/errors.js';
import { ScimError } from './scim/errors.js';
import { loadSecretKey, SecretKeyError } from './secret-key.js';
import type { AccountMatch } from './store/kysely/lifecycle-repository.js';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  type OidcClientRecord,
} from './store/kysely/oidc-client-repository.js';
import { SchemaVersionError } from './store/migrations/migrate.js';
import type { LogEntry, TokenRecord } from './store/ports.js';
import { Store, type StoreOptions } from './store/store.js';

const USAGE = `rollcall: enterprise identity (SCIM 2.0 from Entra ID and Okta, SSO) for SaaS apps

Usage:
  rollcall start [--port 8080] [--host 127.0.0.1] [--data ./data | --database-url URL] [--public-url URL]
                 [--no-migrate] [--log-retention-days 30] [--metadata-allow-private] [--log-level info]
                 [--no-prepared-statements]
  rollcall migrate [--data ./data | --database-url URL]
  rollcall tenant create <slug> [--name NAME] [--json]
  rollcall directory create --tenant <slug> --name <name> [--roles a,b:Display,c] [--default-role r]
                            [--unknown-role reject|default] [--multi-role] [--console-roles a,b] [--json]
  rollcall directory update <id> [--name NAME] [--roles a,b:Display,c] [--default-role r] [--unknown-role reject|default]
                            [--console-roles a,b]
                            [--delete-policy hard|soft] [--soft-delete-days N] [--account-matching on|off]
                            [--guard on|off] [--guard-share 0.2] [--guard-window 60] [--guard-min 50] [--json]
  rollcall directory release <id>
  rollcall token create --directory <id> [--expires ISO-DATE] [--scopes users:read,users:write,groups:read,groups:write] [--json]
  rollcall token revoke <tokenId>
  rollcall user restore --directory <id> <userId> [--json]
  rollcall match list --directory <id> [--status pending|confirmed|refused] [--json]
  rollcall match confirm|refuse --directory <id> <matchId> [--json]
  rollcall logs --directory <id> [--errors] [--limit N] [--json]
  rollcall tenant list [--json]
  rollcall tenant delete <slug>
  rollcall tenant domain add <slug> <domain>
  rollcall tenant domain list <slug> [--json]
  rollcall apikey create [--tenant <slug>] [--name NAME] [--json]
  rollcall apikey list [--json]
  rollcall apikey revoke <id>
  rollcall saml show <slug> [--json]
  rollcall saml set <slug> [--metadata-url URL | --metadata-file FILE | --entity-id ID --sso-url URL --certificate FILE…]
                    [--enabled on|off] [--want-assertions-signed on|off] [--want-response-signed on|off]
                    [--idp-initiated on|off] [--email-attribute NAME] [--jit on|off] [--jit-directory ID]
                    [--jit-role ROLE] [--json]
  rollcall saml test <slug> [<testId>] [--json]
  rollcall saml refresh <slug> [--json]
  rollcall saml log <slug> [--errors] [--limit N] [--json]
  rollcall saml remove <slug>
${CONSOLE_USAGE}
  rollcall oidc client create --name NAME --redirect-uri URI [--redirect-uri URI …] [--post-logout-redirect-uri URI …]
                              [--login-uri URI] [--auth-method client_secret_basic|client_secret_post|none] [--json]
  rollcall oidc client list [--json]
  rollcall oidc client delete <clientId>

Every command takes --data DIR (env ROLLCALL_DATA, default ./data) or --database-url postgres://… (env
DATABASE_URL) and works on the same store as a running server. start runs pending migrations unless given
--no-migrate, which makes it refuse a schema that "rollcall migrate" has not brought up to date.
IdP metadata URLs reach public addresses only; --metadata-allow-private (env SAML_METADATA_ALLOW_PRIVATE=1,
for start and saml set/refresh) lets them reach loopback and private ones, for an IdP on the internal network.
start logs JSON lines on stdout at --log-level (env LOG_LEVEL: fatal, error, warn, info (default), debug,
trace); a line per request only at debug and trace. --no-prepared-statements (env
DATABASE_PREPARED_STATEMENTS=off) sends no named PostgreSQL statements, for PgBouncer's transaction pooling.
start needs a secret key: ROLLCALL_SECRET_KEY (required with PostgreSQL, the same on every node), else the
embedded store's {data}/secret.key, created on first start.
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  'database-url': { type: 'string' },
  'no-migrate': { type: 'boolean' },
  'no-prepared-statements': { type: 'boolean' },
  'log-level': { type: 'string' },
  'public-url': { type: 'string' },
  'log-retention-days': { type: 'string' },
  'metadata-allow-private': { type: 'boolean' },
  name: { type: 'string' },
  tenant: { type: 'string' },
  roles: { type: 'string' },
  'default-role': { type: 'string' },
  'unknown-role': { type: 'string' },
  'multi-role': { type: 'boolean' },
  'console-roles': { type: 'string' },
  directory: { type: 'string' },
  expires: { type: 'string' },
  scopes: { type: 'string' },
  'delete-policy': { type: 'string' },
  'soft-delete-days': { type: 'string' },
  'account-matching': { type: 'string' },
  guard: { type: 'string' },
  'guard-share': { type: 'string' },
  'guard-window': { type: 'string' },
  'guard-min': { type: 'string' },
  status: { type: 'string' },
  errors: { type: 'boolean' },
  limit: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'login-uri': { type: 'string' },
  'auth-method': { type: 'string' },
  'metadata-url': { type: 'string' },
  'metadata-file': { type: 'string' },
  'entity-id': { type: 'string' },
  'sso-url': { type: 'string' },
  certificate: { type: 'string', multiple: true },
  enabled: { type: 'string' },
  'want-assertions-signed': { type: 'string' },
  'want-response-signed': { type: 'string' },
  'idp-initiated': { type: 'string' },
  'email-attribute': { type: 'string' },
  jit: { type: 'string' },
  'jit-directory': { type: 'string' },
  'jit-role': { type: 'string' },
  json: { type: 'boolean' },
  email: { type: 'string' },
  minutes: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'no-password': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

class UsageError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`Missing ${flag}`);
  return value;
}

/** `admin,AppAdmin:App Admin,member` → roles with display names (display defaults to the value). */
function parseRoles(text: string | undefined): RoleDefinition[] | undefined {
  if (!text) return undefined;
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [value, display] = part.split(':', 2) as [string, string | undefined];
      return { value: value.trim(), display: (display ?? value).trim() };
    });
}

/** `a, b,c` → ['a', 'b', 'c']; `''` → [] (e.g. `--console-roles ''` lets no role in). */
function listFlag(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `on` or `off` → a boolean; absent → undefined. */
function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`${flag} must be "on" or "off"`);
}

/** A whole-number flag; absent → undefined. The service checks the range. */
function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number`);
  return Number(value);
}

/** The lifecycle flags of `directory update` as a change; what is not given stays. */
function lifecycleFlags(flags: Flags): LifecycleChanges {
  const policy = flags['delete-policy'];
  if (policy !== undefined && policy !== 'hard' && policy !== 'soft')
    throw new UsageError('--delete-policy must be "hard" or "soft"');
  const share = flags['guard-share'];
  if (share !== undefined && !/^(\d+(\.\d*)?|\.\d+)$/.test(share))
    throw new UsageError('--guard-share must be a share such as 0.2 (20%)');
  const softDeleteDays = wholeNumber(flags['soft-delete-days'], '--soft-delete-days');
  const accountMatching = onOff(flags['account-matching'], '--account-matching');
  const enabled = onOff(flags.guard, '--guard');
  const windowMinutes = wholeNumber(flags['guard-window'], '--guard-window');
  const minCount = wholeNumber(flags['guard-min'], '--guard-min');
  const guard = {
    ...(enabled !== undefined && { enabled }),
    ...(share !== undefined && { maxShare: Number(share) }),
    ...(windowMinutes !== undefined && { windowMinutes }),
    ...(minCount !== undefined && { minCount }),
  };
  return {
    ...(policy !== undefined && { deletePolicy: policy }),
    ...(softDeleteDays !== undefined && { softDeleteDays }),
    ...(accountMatching !== undefined && { accountMatching }),
    ...(Object.keys(guard).length > 0 && { deprovisionGuard: guard }),
  };
}

function describeLifecycle(settings: DirectorySettings): string {
  const guard = settings.deprovisionGuard;
  return [
    `delete policy ${settings.deletePolicy}${settings.deletePolicy === 'soft' ? ` (restorable ${settings.softDeleteDays} days)` : ''}`,
    `account matching ${settings.accountMatching ? 'on' : 'off'}`,
    guard.enabled
      ? `guard on (pauses past ${Math.round(guard.maxShare * 100)}% in ${guard.windowMinutes} min, from ${guard.minCount})`
      : 'guard off',
  ].join(', ');
}

function matchLine(match: AccountMatch): string {
  return `${match.id}  ${match.status.padEnd(9)} ${match.email}  scim user ${match.scimUserId}, existing ${match.existingUserId}`;
}

async function openStore(config: Config, options: Partial<StoreOptions> = {}): Promise<Store> {
  if (config.databaseUrl && !/^postgres(ql)?:\/\//i.test(config.databaseUrl))
    throw new UsageError('--database-url (DATABASE_URL) must be a postgres:// URL');
  return Store.open({
    ...(config.databaseUrl
      ? {
          databaseUrl: config.databaseUrl,
          poolSize: config.databasePoolSize,
          preparedStatements: config.databasePreparedStatements,
        }
      : { dataDir: config.dataDir }),
    ...options,
  });
}

/** Where the store is, for messages: never the URL's password. */
function describeStore(config: Config): string {
  if (!config.databaseUrl) return `embedded store in ${config.dataDir}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** How long SIGTERM waits for in-flight requests before giving up on them. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

async function withAdmin<T>(
  flags: Flags,
  work: (admin: AdminService, config: Config, lifecycle: LifecycleService, store: Store) => Promise<T>,
): Promise<T> {
  const config = loadConfig(flags as ConfigFlags);
  const store = await openStore(config);
  try {
    return await work(new AdminService(store), config, new LifecycleService(store), store);
  } finally {
    await store.close();
  }
}

function print(flags: Flags, json: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function tokenJson(token: TokenRecord) {
  return {
    id: token.id,
    directory: token.directoryId,
    prefix: token.prefix,
    created: token.created,
    lastUsed: token.lastUsed,
    expires: token.expires,
    revoked: token.revoked,
    scopes: token.scopes,
  };
}

function logLine(entry: LogEntry): string {
  const what = [entry.resourceType, entry.resourceName ?? entry.resourceId].filter(Boolean).join(' ');
  const error = entry.status >= 400 ? `  ${entry.scimType ?? ''} ${entry.detail ?? ''}`.trimEnd() : '';
  return `${entry.at}  ${entry.status}  ${entry.method.padEnd(6)} ${entry.operation.padEnd(7)} ${what}${error}`;
}

/** Every tenant, read a page at a time. */
async function allTenants(admin: AdminService) {
  const all = [];
  let after: string | undefined;
  for (;;) {
    const { tenants, more } = await admin.listTenants({ ...(after !== undefined && { after }), limit: 1000 });
    all.push(...tenants);
    if (!more) return all;
    after = tenants.at(-1)!.slug;
  }
}

function oidcClientJson(client: OidcClientRecord, publicUrl: string) {
  return { ...client, issuer: `${publicUrl}/oidc`, relayState: `/oidc/launch/${client.id}` };
}

async function start(flags: Flags): Promise<void> {
  boundHeapGrowth();
  const config = loadConfig(flags as ConfigFlags);
  const secretKey = loadSecretKey(config);
  let onConnectionError: ((error: Error) => void) | undefined;
  const store = await openStore(config, {
    migrations: flags['no-migrate'] ? 'verify' : 'apply',
    backgroundCheckpoints: true,
    onConnectionError: (error) => onConnectionError?.(error),
  });
  // Loaded here, not at the top: the HTTP stack (Fastify, the OpenID Provider) is most of the CLI's
  // start-up time, and only `start` needs it.
  const { buildApp } = await import('./http/app.js');
  const app = await buildApp({
    store,
    publicUrl: config.publicUrl,
    logger: { level: config.logLevel },
    logRetentionDays: config.logRetentionDays,
    secretKey,
    ...(config.samlMetadataAllowPrivate && { samlMetadataFetch: { allowPrivateAddresses: true } }),
  });
  try {
    await app.oidc?.verifySecretKey();
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  onConnectionError = (error) => app.server.log.warn({ err: error }, 'an idle database connection failed');
  await app.server.listen({ port: config.port, host: config.host });
  if (store.migrated.length > 0) app.server.log.info({ migrations: store.migrated }, 'migrated the database');
  process.stdout.write(`rollcall is listening on ${config.publicUrl} (${describeStore(config)})\n`);
  let stopping = false;
  // Stop listening, let in-flight requests finish (new ones get 503), write the provisioning log's
  // last rows, then close the pool. A request stuck past the timeout does not keep the node up.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.server.log.info({ signal }, 'shutting down: draining in-flight requests');
    setTimeout(() => {
      app.server.log.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    try {
      await app.close();
      await store.close();
      process.exit(0);
    } catch (error) {
      app.server.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function migrate(flags: Flags): Promise<number> {
  const config = loadConfig(flags as ConfigFlags);
  const store = await openStore(config);
  try {
    const status = await store.schemaStatus();
    print(
      flags,
      { migrated: store.migrated, applied: status.applied },
      store.migrated.length > 0
        ? `Migrated ${describeStore(config)}: ${store.migrated.join(', ')}`
        : `The schema of ${describeStore(config)} is up to date (${status.applied.at(-1) ?? 'no migrations'})`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** `rollcall oidc client create|list|delete`: the vendor's apps that sign users in over OpenID Connect. */
async function oidcClientCommand(
  clients: OidcClients,
  action: string | undefined,
  rest: string[],
  flags: Flags,
  config: Config,
): Promise<number> {
  switch (action) {
    case 'create': {
      const method = flags['auth-method'];
      if (method !== undefined && !CLIENT_AUTH_METHODS.includes(method as ClientAuthMethod))
        throw new UsageError(`--auth-method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
      const redirectUris = flags['redirect-uri'] ?? [];
      if (redirectUris.length === 0) throw new UsageError('Missing --redirect-uri');
      const { client, secret } = await clients.create({
        name: required(flags.name, '--name'),
        redirectUris,
        postLogoutRedirectUris: flags['post-logout-redirect-uri'] ?? [],
        loginUri: flags['login-uri'] ?? null,
        ...(method !== undefined && { tokenEndpointAuthMethod: method as ClientAuthMethod }),
      });
      const json = oidcClientJson(client, config.publicUrl);
      print(
        flags,
        { ...json, secret },
        [
          `Registered OpenID Connect client ${client.name}`,
          '',
          `Issuer:        ${json.issuer}`,
          `Client ID:     ${client.id}`,
          ...(secret === null
            ? ['Client secret: none (a public client: PKCE alone)']
            : [`Client secret: ${secret}`]),
          `Redirect URIs: ${client.redirectUris.join(' ')}`,
          ...(secret === null ? [] : ['', 'The secret is shown this once; store it now.']),
        ].join('\n'),
      );
      return 0;
    }
    case 'list': {
      const all = await clients.list();
      if (flags.json)
        process.stdout.write(
          all.map((c) => `${JSON.stringify(oidcClientJson(c, config.publicUrl))}\n`).join(''),
        );
      else
        process.stdout.write(
          all.length
            ? `${all.map((c) => `${c.id}  ${c.name}  ${c.tokenEndpointAuthMethod}  ${c.redirectUris.join(' ')}`).join('\n')}\n`
            : 'No OpenID Connect clients.\n',
        );
      return 0;
    }
    case 'delete': {
      const id = required(rest[0], '<clientId>');
      await clients.delete(id);
      print(
        flags,
        { deleted: id },
        `Deleted OpenID Connect client ${id}: its sign-ins and tokens stop working`,
      );
      return 0;
    }
    default:
      throw new UsageError('oidc client takes "create", "list" or "delete <clientId>"');
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parse(argv);
  const [command, sub, arg, ...rest] = positionals;
  if (flags.help || !command) {
    process.stdout.write(USAGE);
    return command || flags.help ? 0 : 1;
  }
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'start':
      await start(flags);
      return -1;
    case 'migrate':
      return migrate(flags);
    case 'tenant create':
      return withAdmin(flags, async (admin) => {
        const tenant = await admin.createTenant(required(arg, '<slug>'), flags.name);
        print(
          flags,
          { id: tenant.id, slug: tenant.slug, name: tenant.name },
          `Created tenant ${tenant.slug} (${tenant.id})`,
        );
        return 0;
      });
    case 'directory create':
      return withAdmin(flags, async (admin, config) => {
        const tenantSlug = required(flags.tenant, '--tenant');
        const unknownRole = flags['unknown-role'];
        if (unknownRole !== undefined && unknownRole !== 'reject' && unknownRole !== 'default')
          throw new UsageError('--unknown-role must be "reject" or "default"');
        const directory = await admin.createDirectory(tenantSlug, {
          name: required(flags.name, '--name'),
          roles: parseRoles(flags.roles),
          ...(flags['default-role'] !== undefined && { defaultRole: flags['default-role'] }),
          ...(unknownRole !== undefined && { unknownRolePolicy: unknownRole }),
          multiRole: flags['multi-role'] ?? false,
          ...(flags['console-roles'] !== undefined && { consoleRoles: listFlag(flags['console-roles']) }),
        });
        const { secret } = await admin.createToken(directory.id);
        const scimUrl = `${config.publicUrl}/scim/v2/${directory.id}`;
        print(
          flags,
          { id: directory.id, tenant: tenantSlug, name: directory.name, scimUrl, token: secret },
          `Created directory ${directory.name} (${directory.id})\n\nTenant URL:   ${scimUrl}\nSecret Token: ${secret}\n\nThe token is shown this once; store it now.`,
        );
        return 0;
      });
    case 'directory update':
      return withAdmin(flags, async (admin, config) => {
        const id = required(arg, '<id>');
        const unknownRole = flags['unknown-role'];
        if (unknownRole !== undefined && unknownRole !== 'reject' && unknownRole !== 'default')
          throw new UsageError('--unknown-role must be "reject" or "default"');
        const lifecycle = lifecycleFlags(flags);
        const changes: DirectoryChanges = {
          ...(flags.name !== undefined && { name: flags.name }),
          ...(flags.roles !== undefined && { roles: parseRoles(flags.roles) ?? [] }),
          ...(flags['default-role'] !== undefined && { defaultRole: flags['default-role'] }),
          ...(unknownRole !== undefined && { unknownRolePolicy: unknownRole }),
          ...(flags['console-roles'] !== undefined && { consoleRoles: listFlag(flags['console-roles']) }),
        };
        if (Object.keys(changes).length === 0 && Object.keys(lifecycle).length === 0)
          throw new UsageError('Nothing to change: give at least one setting');
        const directory = await admin.updateDirectory(id, { ...changes, lifecycle });
        const tenant = await admin.tenantOf(directory);
        print(
          flags,
          directoryJson(directory, tenant.slug, config.publicUrl),
          `Updated directory ${directory.name} (${directory.id}): ${describeLifecycle(parseSettings(directory.settings))}`,
        );
        return 0;
      });
    case 'directory release':
      return withAdmin(flags, async (_admin, _config, lifecycle) => {
        const id = required(arg, '<id>');
        await lifecycle.releaseDeprovisioning(id);
        print(
          flags,
          { released: id },
          `Released the deprovisioning guard of directory ${id}: deactivations and deletions go through again`,
        );
        return 0;
      });
    case 'user restore':
      return withAdmin(flags, async (_admin, _config, lifecycle) => {
        const user = await lifecycle.restoreUser(
          required(flags.directory, '--directory'),
          required(arg, '<userId>'),
        );
        print(flags, userSummary(user), `Restored user ${user.userName} (${user.id})`);
        return 0;
      });
    case 'match list':
      return withAdmin(flags, async (_admin, _config, lifecycle) => {
        const status = flags.status;
        if (status !== undefined && status !== 'pending' && status !== 'confirmed' && status !== 'refused')
          throw new UsageError('--status must be "pending", "confirmed" or "refused"');
        const matches = await lifecycle.matches(required(flags.directory, '--directory'), status);
        if (flags.json)
          process.stdout.write(matches.map((m) => `${JSON.stringify(matchJson(m))}\n`).join(''));
        else
          process.stdout.write(
            matches.length ? `${matches.map(matchLine).join('\n')}\n` : 'No account matches.\n',
          );
        return 0;
      });
    case 'match confirm':
    case 'match refuse':
      return withAdmin(flags, async (_admin, _config, lifecycle) => {
        const directoryId = required(flags.directory, '--directory');
        const matchId = required(arg, '<matchId>');
        const match =
          sub === 'confirm'
            ? await lifecycle.confirmMatch(directoryId, matchId)
            : await lifecycle.refuseMatch(directoryId, matchId);
        print(
          flags,
          matchJson(match),
          sub === 'confirm'
            ? `Confirmed match ${match.id}: account ${match.existingUserId} merged into ${match.scimUserId}`
            : `Refused match ${match.id}: both accounts stay`,
        );
        return 0;
      });
    case 'tenant domain':
      return withAdmin(flags, async (_admin, _config, lifecycle) => {
        if (arg !== 'add' && arg !== 'list')
          throw new UsageError('tenant domain takes "add <slug> <domain>" or "list <slug>"');
        const slug = required(rest[0], '<slug>');
        if (arg === 'add') {
          const domain = await lifecycle.addDomain(slug, required(rest[1], '<domain>'));
          print(flags, { tenant: slug, domain }, `Declared domain ${domain} for tenant ${slug}`);
        } else {
          const domains = await lifecycle.domains(slug);
          if (flags.json)
            process.stdout.write(domains.map((domain) => `${JSON.stringify({ domain })}\n`).join(''));
          else process.stdout.write(domains.length ? `${domains.join('\n')}\n` : 'No domains.\n');
        }
        return 0;
      });
    case 'token create':
      return withAdmin(flags, async (admin) => {
        const scopes = flags.scopes
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (scopes?.length === 0) throw new UsageError('--scopes needs at least one scope');
        const { token, secret } = await admin.createToken(
          required(flags.directory, '--directory'),
          flags.expires,
          scopes,
        );
        print(
          flags,
          { ...tokenJson(token), token: secret },
          `${secret}\n\nToken ${token.id}: shown this once; store it now.`,
        );
        return 0;
      });
    case 'token revoke':
      return withAdmin(flags, async (admin) => {
        const token = await admin.revokeToken(required(arg, '<tokenId>'));
        print(flags, tokenJson(token), `Revoked token ${token.id} (${token.prefix}…)`);
        return 0;
      });
    case 'logs':
      return withAdmin(flags, async (admin) => {
        const limit = flags.limit === undefined ? 100 : Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new UsageError('--limit must be a positive whole number');
        const entries = await admin.logs(required(flags.directory, '--directory'), {
          errorsOnly: flags.errors ?? false,
          limit,
        });
        if (flags.json) process.stdout.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        else
          process.stdout.write(
            entries.length ? `${entries.map(logLine).join('\n')}\n` : 'No requests logged.\n',
          );
        return 0;
      });
    case 'tenant list':
      return withAdmin(flags, async (admin) => {
        const tenants = await allTenants(admin);
        if (flags.json) process.stdout.write(tenants.map((t) => `${JSON.stringify(t)}\n`).join(''));
        else
          process.stdout.write(
            tenants.length
              ? `${tenants.map((t) => `${t.slug}  ${t.name}  ${t.id}`).join('\n')}\n`
              : 'No tenants.\n',
          );
        return 0;
      });
    case 'tenant delete':
      return withAdmin(flags, async (admin) => {
        const slug = required(arg, '<slug>');
        await admin.deleteTenant(slug);
        print(
          flags,
          { deleted: slug },
          `Deleted tenant ${slug} with all its directories, users, groups and logs`,
        );
        return 0;
      });
    case 'apikey create':
      return withAdmin(flags, async (admin) => {
        const { key, secret } = await admin.createApiKey({
          ...(flags.tenant !== undefined && { tenantSlug: flags.tenant }),
          ...(flags.name !== undefined && { name: flags.name }),
        });
        print(
          flags,
          { id: key.id, key: secret },
          `${secret}\n\nAPI key ${key.id}${flags.tenant ? ` (tenant ${flags.tenant} only)` : ''}: shown this once; store it now.`,
        );
        return 0;
      });
    case 'apikey list':
      return withAdmin(flags, async (admin) => {
        const keys = await admin.apiKeys();
        if (flags.json) process.stdout.write(keys.map((k) => `${JSON.stringify(k)}\n`).join(''));
        else
          process.stdout.write(
            keys.length
              ? `${keys.map((k) => `${k.id}  ${k.prefix}…  ${k.name ?? ''}  ${k.tenantId ? `tenant ${k.tenantId}` : 'all tenants'}${k.revoked ? '  revoked' : ''}`).join('\n')}\n`
              : 'No API keys.\n',
          );
        return 0;
      });
    case 'apikey revoke':
      return withAdmin(flags, async (admin) => {
        const key = await admin.revokeApiKey(required(arg, '<id>'));
        print(flags, key, `Revoked API key ${key.id} (${key.prefix}…)`);
        return 0;
      });
    case 'oidc client':
      return withAdmin(flags, (_admin, config, _lifecycle, store) =>
        oidcClientCommand(new OidcClients(store), arg, rest, flags, config),
      );
    case 'saml show':
    case 'saml set':
    case 'saml test':
    case 'saml refresh':
    case 'saml log':
    case 'saml remove':
      return samlCommand(sub!, required(arg, '<slug>'), rest[0], flags);
    case 'console user':
    case 'console link':
      return withAdmin(flags, (_admin, config, _lifecycle, store) =>
        consoleCommand(
          {
            operators: new ConsoleOperators(store),
            publicUrl: config.publicUrl,
            json: flags.json ?? false,
            ...(flags.email !== undefined && { email: flags.email }),
            ...(flags.minutes !== undefined && { minutes: flags.minutes }),
            passwordStdin: flags['password-stdin'] ?? false,
            noPassword: flags['no-password'] ?? false,
            usage: (message) => new UsageError(message),
          },
          sub,
          [arg, ...rest],
        ),
      );
    default:
      throw new UsageError(`Unknown command "${positionals.join(' ')}"`);
  }
}

/** Runs the CLI, turning expected failures into a message and exit code 1 (2 for usage errors). */
export async function run(argv: string[]): Promise<void> {
  try {
    const code = await main(argv);
    if (code >= 0) process.exitCode = code;
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof ScimError) {
      process.stderr.write(`${error.detail}\n`);
      process.exitCode = 1;
    } else if (error instanceof SecretKeyError || error instanceof SecretKeyMismatchError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof SamlError) {
      process.stderr.write(`${error.code}: ${error.reason}\n`);
      process.exitCode = 1;
    } else if (error instanceof SchemaVersionError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

// ---- rollcall saml … ----

/** `saml set`'s flags as a change of the connection; what is not given stays. */
function samlInput(flags: Flags): SamlConnectionInput {
  const certificates = flags.certificate?.map((file) => readFileSync(file, 'utf8'));
  const jitEnabled = onOff(flags.jit, '--jit');
  const jit = {
    ...(jitEnabled !== undefined && { enabled: jitEnabled }),
    ...(flags['jit-directory'] !== undefined && { directoryId: flags['jit-directory'] }),
    ...(flags['jit-role'] !== undefined && { defaultRole: flags['jit-role'] }),
  };
  const enabled = onOff(flags.enabled, '--enabled');
  const wantAssertionsSigned = onOff(flags['want-assertions-signed'], '--want-assertions-signed');
  const wantResponseSigned = onOff(flags['want-response-signed'], '--want-response-signed');
  const allowIdpInitiated = onOff(flags['idp-initiated'], '--idp-initiated');
  return {
    ...(enabled !== undefined && { enabled }),
    ...(flags['metadata-url'] !== undefined && { metadataUrl: flags['metadata-url'] }),
    ...(flags['metadata-file'] !== undefined && {
      metadataXml: readFileSync(flags['metadata-file'], 'utf8'),
    }),
    ...(flags['entity-id'] !== undefined && { entityId: flags['entity-id'] }),
    ...(flags['sso-url'] !== undefined && { ssoUrl: flags['sso-url'] }),
    ...(certificates !== undefined && { certificates }),
    ...(wantAssertionsSigned !== undefined && { wantAssertionsSigned }),
    ...(wantResponseSigned !== undefined && { wantResponseSigned }),
    ...(allowIdpInitiated !== undefined && { allowIdpInitiated }),
    ...(flags['email-attribute'] !== undefined && { emailAttribute: flags['email-attribute'] || null }),
    ...(Object.keys(jit).length > 0 && { jit }),
  };
}

function describeSaml(view: SamlConnectionView): string {
  const state = view.configured ? (view.enabled ? 'on' : 'off') : 'not configured';
  const lines = [
    `SAML single sign-on of tenant ${view.tenant}: ${state}`,
    '',
    'For the IdP (Entra: Basic SAML Configuration):',
    `  Identifier (Entity ID):  ${view.sp.entityId}`,
    `  Reply URL (ACS URL):     ${view.sp.acsUrl}`,
    `  Sign on URL:             ${view.sp.signOnUrl}`,
    `  SP metadata:             ${view.sp.metadataUrl}`,
  ];
  if (!view.idp) return [...lines, '', 'No IdP yet: rollcall saml set <slug> --metadata-url URL'].join('\n');
  const refresh = view.metadataRefreshError
    ? `; the last refresh failed at ${view.metadataRefreshError.at}: ${view.metadataRefreshError.reason}`
    : '';
  lines.push(
    '',
    'The IdP:',
    `  Entity ID:  ${view.idp.entityId}`,
    `  SSO URL:    ${view.idp.ssoUrl}`,
    `  Metadata:   ${view.metadataSource === 'url' ? `${view.metadataUrl} (fetched ${view.metadataRefreshedAt}, refreshed hourly${refresh})` : view.metadataSource}`,
    ...view.idp.certificates.map(
      (c) => `  Certificate ${c.fingerprint}  ${c.subject}  valid until ${c.notAfter}`,
    ),
    '',
    'Options:',
    `  Request signed Assertions:               ${view.wantAssertionsSigned ? 'on' : 'off'}`,
    `  Request signed Authentication Response:  ${view.wantResponseSigned ? 'on' : 'off'}`,
    `  IdP-initiated sign-in:                   ${view.allowIdpInitiated ? 'allowed' : 'refused'}`,
    `  Email attribute:                         ${view.emailAttribute}`,
    `  Just-In-Time provisioning:               ${view.jit.enabled ? `on, into directory ${view.jit.directoryId}${view.jit.defaultRole ? ` with role ${view.jit.defaultRole}` : ''}` : 'off'}`,
    `  Last Test Connection:                    ${view.lastTest ? `${view.lastTest.status} (${view.lastTest.id})` : 'none'}`,
  );
  return lines.join('\n');
}

function describeTest(test: SamlTestView, slug: string): string {
  if (test.status === 'pending')
    return `Open this link in a browser within the hour and sign in at the IdP:\n\n  ${test.url}\n\nThen see what the IdP sent: rollcall saml test ${slug} ${test.id}`;
  if (test.error) return `Test Connection ${test.id} failed: ${test.error.code}: ${test.error.reason}`;
  const result = test.result!;
  const outcome =
    result.signIn === 'existing'
      ? `signs in as ${result.user!.userName} (${result.user!.id}) with roles ${result.roles.join(', ') || '(none)'}`
      : result.signIn === 'jit'
        ? `would be created by Just-In-Time provisioning with roles ${result.roles.join(', ') || '(none)'}`
        : `would be refused: ${result.refusal!.code}: ${result.refusal!.reason}`;
  return [
    `Test Connection ${test.id} succeeded: ${outcome}`,
    `  NameID:  ${result.nameId}${result.nameIdFormat ? ` (${result.nameIdFormat})` : ''}`,
    `  Email:   ${result.email} (from ${result.emailSource})`,
    ...Object.entries(result.attributes).map(([name, values]) => `  ${name}: ${values.join(', ')}`),
  ].join('\n');
}

async function samlCommand(
  sub: string,
  slug: string,
  testId: string | undefined,
  flags: Flags,
): Promise<number> {
  const config = loadConfig(flags as ConfigFlags);
  const store = await openStore(config);
  try {
    const saml = new SamlConnectionService(store, { allowPrivateAddresses: config.samlMetadataAllowPrivate });
    switch (sub) {
      case 'show': {
        const view = await saml.get(slug, config.publicUrl);
        print(flags, view, describeSaml(view));
        return 0;
      }
      case 'set': {
        const input = samlInput(flags);
        if (Object.keys(input).length === 0)
          throw new UsageError('Nothing to change: give at least one setting');
        const view = await saml.put(slug, input, config.publicUrl);
        print(flags, view, describeSaml(view));
        return 0;
      }
      case 'test': {
        const test = testId
          ? await saml.test(slug, testId, config.publicUrl)
          : await saml.startTest(slug, config.publicUrl);
        print(flags, test, describeTest(test, slug));
        return test.status === 'failed' ? 1 : 0;
      }
      case 'refresh': {
        const { outcome, connection } = await saml.refresh(slug, config.publicUrl);
        print(
          flags,
          { refresh: outcome, connection },
          outcome.ok
            ? outcome.changed
              ? `Refreshed the metadata of ${slug}: ${[...outcome.added.map((f) => `+${f}`), ...outcome.removed.map((f) => `-${f}`)].join(' ') || 'entity ID or SSO URL changed'}`
              : `Refreshed the metadata of ${slug}: unchanged`
            : `The metadata of ${slug} could not be refreshed; the last good metadata stays in use: ${outcome.reason}`,
        );
        return outcome.ok ? 0 : 1;
      }
      case 'log': {
        const limit = flags.limit === undefined ? 100 : Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new UsageError('--limit must be a positive whole number');
        const entries = await saml.log(slug, { limit, ...(flags.errors && { outcome: 'refused' as const }) });
        if (flags.json) process.stdout.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        else
          process.stdout.write(
            entries.length
              ? `${entries.map((e) => `${e.at}  ${e.outcome.padEnd(9)} ${e.email ?? '-'}  ${e.code ? `${e.code}: ${e.reason}` : (e.reason ?? '')}  (${e.id})`.trimEnd()).join('\n')}\n`
              : 'No sign-ins logged.\n',
          );
        return 0;
      }
      default: {
        await saml.remove(slug);
        print(flags, { removed: slug }, `Removed the SAML connection of tenant ${slug}`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
