import type { DirectoryInput } from '../../src/directory/admin-service.js';
import { AdminService } from '../../src/directory/admin-service.js';
import { type App, type AppOptions, buildApp } from '../../src/http/app.js';
import { Store } from '../../src/store/store.js';
import { createTestLocation, type TestLocation } from './test-store.js';

export interface ScimResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary SCIM JSON and assert its shape.
  body: any;
}

export interface TestDirectory {
  id: string;
  tenant: string;
  token: string;
  scimUrl: string;
  /** Sends a request to this directory's SCIM endpoint over real HTTP. */
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

export interface TestServer {
  url: string;
  store: Store;
  admin: AdminService;
  app: App;
  dataDir: string;
  /** Where the store is: SQLite in dataDir, or a Postgres schema of its own (ROLLCALL_TEST_STORE). */
  location: TestLocation;
  createDirectory(tenant: string, input?: Partial<DirectoryInput>): Promise<TestDirectory>;
  /** An operator API key for every tenant. */
  apiKey: string;
  /** Sends a JSON request to the admin API (`/api/v1{path}`) over real HTTP with `key` (default apiKey; null: none). */
  api(method: string, path: string, body?: unknown, key?: string | null): Promise<ScimResponse>;
  close(): Promise<void>;
}

/** Sends a request over real HTTP; the body is sent as SCIM JSON unless it is already a string. */
export async function send(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ScimResponse> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/scim+json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * A real rollcall listening on a free loopback port, on the store under test: a real SQLite file in
 * a temp folder, or (ROLLCALL_TEST_STORE=postgres) a fresh schema of the test database.
 */
export async function startServer(options: Omit<AppOptions, 'store'> = {}): Promise<TestServer> {
  const location = await createTestLocation();
  const { dataDir } = location;
  const store = await Store.open(location.storeOptions);
  const app = await buildApp({ ...options, store });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const admin = new AdminService(store);
  const { secret: apiKey } = await admin.createApiKey({ name: 'test' });
  const tenants = new Set<string>();

  return {
    url,
    store,
    admin,
    app,
    dataDir,
    location,
    apiKey,
    api: (method, path, body, key = apiKey) =>
      send(`${url}/api/v1${path}`, method, body, {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(key !== null && { authorization: `Bearer ${key}` }),
      }),
    async createDirectory(tenant, input = {}) {
      if (!tenants.has(tenant)) {
        await admin.createTenant(tenant);
        tenants.add(tenant);
      }
      const directory = await admin.createDirectory(tenant, {
        name: `dir-${Math.random().toString(36).slice(2, 8)}`,
        ...input,
      });
      const { secret } = await admin.createToken(directory.id);
      const scimUrl = `${url}/scim/v2/${directory.id}`;
      return {
        id: directory.id,
        tenant,
        token: secret,
        scimUrl,
        scim: (method, path, body, headers = {}) =>
          send(`${scimUrl}${path}`, method, body, { authorization: `Bearer ${secret}`, ...headers }),
      };
    },
    async close() {
      await app.close();
      await store.close();
      await location.remove();
    },
  };
}
