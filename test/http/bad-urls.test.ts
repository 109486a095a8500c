import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';

/**
 * A URL Fastify cannot route (a malformed percent-encoding, a parameter over its length) is answered
 * in the form of the surface it names: SCIM's error body, the admin API's typed JSON error, a plain
 * page for the console, SSO and the OpenID Provider; never Fastify's own JSON (FST_ERR_BAD_URL).
 */
let server: TestServer;
let directory: TestDirectory;

beforeAll(async () => {
  server = await startServer({ secretKey: randomBytes(32) });
  directory = await server.createDirectory('acme');
});
afterAll(() => server.close());

/** A GET of exactly this path (fetch would normalise it). */
function get(path: string): Promise<{ status: number; type: string; text: string }> {
  const target = new URL(server.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, path, method: 'GET' },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode!, type: response.headers['content-type'] ?? '', text }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('a URL that cannot be routed', () => {
  it('gets a SCIM error under /scim', async () => {
    for (const path of [`/scim/v2/${directory.id}/Users/%`, `/scim/v2/%E0%A4%A/Users`]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.type).toContain('application/scim+json');
      const body = JSON.parse(answer.text);
      expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body.scimType).toBe('invalidSyntax');
      expect(answer.text).not.toContain('FST_ERR');
    }
  });

  it('gets a typed JSON error under /api', async () => {
    const answer = await get('/api/v1/tenants/%');
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/json');
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(answer.text).not.toContain('FST_ERR');
  });

  it('gets a plain page under /console, /sso and /oidc', async () => {
    for (const path of [
      '/console/%',
      '/console/t/%/audit',
      '/sso/%/session',
      '/sso/acme/saml/%',
      '/oidc/%',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.type, path).toContain('text/html');
      expect(answer.text.toLowerCase()).toContain('<!doctype html>');
      expect(answer.text, path).toContain('could not be read');
      expect(answer.text).not.toContain('FST_ERR');
    }
  });

  it('gets a parameter over the length limit answered the same way', async () => {
    const long = 'x'.repeat(300);
    const scim = await get(`/scim/v2/${directory.id}/Users/${long}`);
    expect(scim.type).toContain('application/scim+json');
    expect(JSON.parse(scim.text).scimType).toBe('invalidSyntax');
    const page = await get(`/console/t/${long}`);
    expect(page.type).toContain('text/html');
  });
});
