import { resolve } from 'node:path';

/** Where rollcall keeps its data and how it is reached; flags win over environment variables. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly publicUrl: string;
}

export interface ConfigFlags {
  port?: string;
  host?: string;
  data?: string;
  'database-url'?: string;
  'public-url'?: string;
}

export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(flags.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Invalid port "${flags.port ?? env.PORT}"`);
  const host = flags.host ?? env.HOST ?? '127.0.0.1';
  const databaseUrl = flags['database-url'] ?? env.DATABASE_URL;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port,
    host,
    dataDir: resolve(flags.data ?? env.ROLLCALL_DATA ?? './data'),
    ...(databaseUrl && { databaseUrl }),
    publicUrl: (flags['public-url'] ?? env.PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/+$/, ''),
  };
}
