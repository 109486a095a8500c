import { parseArgs } from 'node:util';
import { type Config, type ConfigFlags, loadConfig } from './config.js';
import { AdminService } from './directory/admin-service.js';
import type { RoleDefinition } from './directory/directory-settings.js';
import { buildApp } from './http/app.js';
import { ScimError } from './scim/errors.js';
import type { LogEntry, TokenRecord } from './store/ports.js';
import { Store } from './store/store.js';

const USAGE = `rollcall: enterprise identity (SCIM 2.0 from Entra ID and Okta, SSO) for SaaS apps

Usage:
  rollcall start [--port 8080] [--host 127.0.0.1] [--data ./data] [--public-url URL]
  rollcall tenant create <slug> [--name NAME] [--json]
  rollcall directory create --tenant <slug> --name <name> [--roles a,b:Display,c] [--default-role r]
                            [--unknown-role reject|default] [--multi-role] [--json]
  rollcall token create --directory <id> [--expires ISO-DATE] [--json]
  rollcall token revoke <tokenId>
  rollcall logs --directory <id> [--errors] [--limit N] [--json]

Every command takes --data DIR (env ROLLCALL_DATA, default ./data) and works on the same store as a running server.
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  'database-url': { type: 'string' },
  'public-url': { type: 'string' },
  name: { type: 'string' },
  tenant: { type: 'string' },
  roles: { type: 'string' },
  'default-role': { type: 'string' },
  'unknown-role': { type: 'string' },
  'multi-role': { type: 'boolean' },
  directory: { type: 'string' },
  expires: { type: 'string' },
  errors: { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
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

async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl)
    throw new UsageError(
      'PostgreSQL (--database-url) is not supported by this version yet; omit it to use the embedded store',
    );
  return Store.open({ dataDir: config.dataDir });
}

async function withAdmin<T>(
  flags: Flags,
  work: (admin: AdminService, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(flags as ConfigFlags);
  const store = await openStore(config);
  try {
    return await work(new AdminService(store), config);
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
  };
}

function logLine(entry: LogEntry): string {
  const what = [entry.resourceType, entry.resourceName ?? entry.resourceId].filter(Boolean).join(' ');
  const error = entry.status >= 400 ? `  ${entry.scimType ?? ''} ${entry.detail ?? ''}`.trimEnd() : '';
  return `${entry.at}  ${entry.status}  ${entry.method.padEnd(6)} ${entry.operation.padEnd(7)} ${what}${error}`;
}

async function start(flags: Flags): Promise<void> {
  const config = loadConfig(flags as ConfigFlags);
  const store = await openStore(config);
  const app = await buildApp({
    store,
    publicUrl: config.publicUrl,
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
  });
  await app.server.listen({ port: config.port, host: config.host });
  process.stdout.write(
    `rollcall is listening on ${config.publicUrl} (embedded store in ${config.dataDir})\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parse(argv);
  const [command, sub, arg] = positionals;
  if (flags.help || !command) {
    process.stdout.write(USAGE);
    return command || flags.help ? 0 : 1;
  }
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'start':
      await start(flags);
      return -1;
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
    case 'token create':
      return withAdmin(flags, async (admin) => {
        const { token, secret } = await admin.createToken(
          required(flags.directory, '--directory'),
          flags.expires,
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
    } else {
      throw error;
    }
  }
}
