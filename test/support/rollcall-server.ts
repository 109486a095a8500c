import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DirectoryInput } from '../../src/directory/admin-service.js';
import { AdminService } from '../../src/directory/admin-service.js';
import { type App, buildApp } from '../../src/http/app.js';
import { Store } from '../../src/store/store.js';

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
  createDirectory(tenant: string, input?: Partial<DirectoryInput>): Promise<TestDirectory>;
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

/** A real rollcall on a real SQLite file in a temp folder, listening on a free loopback port. */
export async function startServer(): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-test-'));
  const store = await Store.open({ dataDir });
  const app = await buildApp({ store });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const admin = new AdminService(store);
  const tenants = new Set<string>();

  return {
    url,
    store,
    admin,
    app,
    dataDir,
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
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
