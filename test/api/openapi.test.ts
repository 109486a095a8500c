import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../src/http/routes/api/api-errors.js';
import { send, startServer, type TestServer } from '../support/rollcall-server.js';

/**
 * The OpenAPI document, the routes the server has and docs/api.md agree; every error code is
 * documented (fastify's lib/errors.js test does the same for its README).
 */
let server: TestServer;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};
const apiDocs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');

beforeAll(async () => {
  server = await startServer();
  doc = (await server.api('GET', '/openapi.json', undefined, null)).body;
});
afterAll(() => server.close());

/** `GET /api/v1/tenants/{slug}` for every operation of the document. */
function documentedOperations(): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the shared schemas as components', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ApiError', 'Tenant', 'Directory', 'Token', 'CreatedToken', 'LogEntry']),
    );
  });

  it('lists every route of docs/api.md, and only those', () => {
    const listed = [...apiDocs.matchAll(/^\| `(GET|POST|PATCH|PUT|DELETE) (\/api\/v1[^`]*)` \|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(listed.length).toBeGreaterThanOrEqual(20);
    expect(documentedOperations().sort()).toEqual(listed.sort());
  });

  it('describes routes the server really has, each with an operationId and its error answers', () => {
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(methods)) {
        const url = path.replace(/\{(\w+)\}/g, ':$1');
        expect(
          server.app.server.hasRoute({ method: method.toUpperCase() as 'GET', url }),
          `${method} ${path}`,
        ).toBe(true);
        expect(operation.operationId, `${method} ${path}`).toBeTruthy();
        if (path !== '/api/v1/openapi.json') expect(Object.keys(operation.responses)).toContain('401');
      }
  });

  it('never describes a token secret outside the answer that creates it', () => {
    const text = JSON.stringify(doc.components.schemas.Token);
    expect(text).not.toContain('"token"');
    expect(text).not.toContain('hash');
  });
});

describe('error codes', () => {
  const table = new Map(
    [...apiDocs.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  );

  it('documents every code of the catalogue with its status, and no other', () => {
    for (const [code, status] of Object.entries(API_ERRORS)) expect(table.get(code), code).toBe(status);
    expect([...table.keys()].sort()).toEqual(Object.keys(API_ERRORS).sort());
  });

  it('answers client mistakes with a documented code, never a 500', async () => {
    const directory = await server.createDirectory('acme');
    const cases: [string, string, unknown, Record<string, string>?][] = [
      ['POST', '/tenants', '{"slug": '],
      ['POST', '/tenants', '[]'],
      ['POST', '/tenants', { slug: 42 }],
      ['POST', '/tenants', { slug: 'ok', name: '' }],
      ['POST', '/tenants', 'slug=acme', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', '/tenants', 'x'.repeat(11 * 1024 * 1024)],
      ['PATCH', `/directories/${directory.id}`, { roles: 'admin' }],
      ['PATCH', `/directories/${directory.id}`, { roles: [{ value: 'a' }, { value: 'A' }] }],
      ['PATCH', `/directories/${directory.id}`, { unknownRolePolicy: 'default', defaultRole: null }],
      ['GET', `/directories/${directory.id}/users?filter=${encodeURIComponent('nope[')}`, undefined],
      ['GET', `/directories/${directory.id}/users?filter=${encodeURIComponent('active gt true')}`, undefined],
      ['GET', `/directories/${directory.id}/logs?until=${encodeURIComponent('2025-13-45')}`, undefined],
      ['GET', `/directories/${directory.id}/users?startIndex=99999999999999999999`, undefined],
      ['GET', `/directories/${directory.id}/users?count=-1`, undefined],
      ['GET', '/tenants?limit=0', undefined],
      ['DELETE', '/tenants', undefined],
      ['GET', '/', undefined],
    ];
    for (const [method, path, body, headers] of cases) {
      const res = await send(`${server.url}/api/v1${path}`, method, body, {
        'content-type': 'application/json',
        authorization: `Bearer ${server.apiKey}`,
        ...headers,
      });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(Object.keys(API_ERRORS), `${method} ${path}`).toContain(res.body.code);
      expect(res.body.message, `${method} ${path}`).toEqual(expect.any(String));
    }
  });
});
