import { resolve } from 'node:path';

/** Where rollcall keeps its data and how it is reached; flags win over environment variables. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** PostgreSQL connections per process (env DATABASE_POOL_SIZE, default 10). */
  readonly databasePoolSize: number;
  readonly publicUrl: string;
  /** Days provisioning-log entries are kept (--log-retention-days, env LOG_RETENTION_DAYS, default 30). */
  readonly logRetentionDays: number;
  /**
   * IdP metadata URLs may reach loopback, private and link-local addresses (--metadata-allow-private,
   * env SAML_METADATA_ALLOW_PRIVATE=1): for an IdP on the internal network, such as ADFS. Off by default.
   */
  readonly samlMetadataAllowPrivate: boolean;
  /**
   * pino's level (--log-level, env LOG_LEVEL, default info). A line per request ("incoming request",
   * "request completed") is written at debug and trace only; the provisioning log records every SCIM request.
   */
  readonly logLevel: LogLevel;
  /**
   * Named (server-side prepared) PostgreSQL statements for the hot queries (--no-prepared-statements, env
   * DATABASE_PREPARED_STATEMENTS=off to turn them off, for PgBouncer's transaction pooling before 1.21).
   */
  readonly databasePreparedStatements: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ConfigFlags {
  port?: string;
  host?: string;
  data?: string;
  'database-url'?: string;
  'public-url'?: string;
  'log-retention-days'?: string;
  'metadata-allow-private'?: boolean;
  'log-level'?: string;
  'no-prepared-statements'?: boolean;
}

export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(flags.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Invalid port "${flags.port ?? env.PORT}"`);
  const host = flags.host ?? env.HOST ?? '127.0.0.1';
  const databaseUrl = flags['database-url'] ?? env.DATABASE_URL;
  const databasePoolSize = Number(env.DATABASE_POOL_SIZE ?? 10);
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 1)
    throw new Error(`Invalid DATABASE_POOL_SIZE "${env.DATABASE_POOL_SIZE}"`);
  const logRetentionDays = Number(flags['log-retention-days'] ?? env.LOG_RETENTION_DAYS ?? 30);
  if (!Number.isInteger(logRetentionDays) || logRetentionDays < 1)
    throw new Error(
      `Invalid log retention "${flags['log-retention-days'] ?? env.LOG_RETENTION_DAYS}" (whole days, at least 1)`,
    );
  const allowPrivate = env.SAML_METADATA_ALLOW_PRIVATE ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(allowPrivate))
    throw new Error(`Invalid SAML_METADATA_ALLOW_PRIVATE "${allowPrivate}" (1 or 0)`);
  const logLevel = flags['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new Error(`Invalid log level "${logLevel}" (one of ${LOG_LEVELS.join(', ')})`);
  const prepared = (env.DATABASE_PREPARED_STATEMENTS ?? 'on').toLowerCase();
  if (!['on', 'off', '1', '0', 'true', 'false'].includes(prepared))
    throw new Error(`Invalid DATABASE_PREPARED_STATEMENTS "${env.DATABASE_PREPARED_STATEMENTS}" (on or off)`);
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port,
    host,
    dataDir: resolve(flags.data ?? env.ROLLCALL_DATA ?? './data'),
    ...(databaseUrl && { databaseUrl }),
    databasePoolSize,
    publicUrl: (flags['public-url'] ?? env.PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/+$/, ''),
    logRetentionDays,
    samlMetadataAllowPrivate:
      flags['metadata-allow-private'] === true || allowPrivate === '1' || allowPrivate === 'true',
    logLevel: logLevel as LogLevel,
    databasePreparedStatements:
      flags['no-prepared-statements'] !== true && ['on', '1', 'true'].includes(prepared),
  };
}
