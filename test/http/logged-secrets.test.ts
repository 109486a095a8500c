import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedQuery } from '../../src/directory/log-bodies.js';
import { loggedUrl } from '../../src/http/logged-url.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/**
 * Secrets in URLs never reach a log: not the request log's lines (pino, one per request, with its
 * URL) and not the provisioning log's query column, on every surface (/scim, /api, /sso, /oidc, /console).
 */
let server: TestServer;
let directory: TestDirectory;
const lines: string[] = [];

beforeAll(async () => {
  server = await startServer({
    secretKey: randomBytes(32),
    logger: { level: 'debug', stream: { write: (line: string) => void lines.push(line) } },
  });
  directory = await server.createDirectory('acme');
});
afterAll(() => server.close());

/** A secret of its own for each request, so a leak names the request it came from. */
const secret = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

describe('URLs in logs', () => {
  it('keeps no secret from a query string or a one-time link in the request log or the provisioning log', async () => {
    const secrets = {
      scimToken: secret('scim-access-token'),
      apiKey: secret('api-key'),
      samlRequest: secret('saml-request'),
      samlResponse: secret('saml-response'),
      idToken: secret('id-token'),
      code: secret('code'),
      link: secret('link'),
      password: secret('password'),
      clientSecret: secret('client-secret'),
    };
    const get = (path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' }).then((r) => r.text());
    await directory.scim('GET', `/Users?access_token=${secrets.scimToken}&filter=userName%20eq%20%22a%22`);
    await server.api('GET', `/tenants?api_key=${secrets.apiKey}&limit=1`);
    await get(`/sso/acme/saml/login?SAMLRequest=${secrets.samlRequest}&RelayState=%2Fhome`);
    await get(`/sso/acme/saml/acs?SAMLResponse=${secrets.samlResponse}`);
    await get(`/oidc/session/end?id_token_hint=${secrets.idToken}`);
    await get(`/oidc/auth?client_id=x&code=${secrets.code}&client_secret=${secrets.clientSecret}`);
    await get(`/console/link/${secrets.link}`);
    await get(`/console/sign-in?password=${secrets.password}`);
    await server.app.log.flush();

    const requestLog = lines.join('');
    for (const value of Object.values(secrets)) expect(requestLog).not.toContain(value);
    // What is not secret is still there to read.
    expect(requestLog).toContain('filter=userName%20eq%20%22a%22');
    expect(requestLog).toContain('/console/link/[redacted]');
    expect(requestLog).toContain('RelayState=%2Fhome');

    const raw = await connectRaw(server.location);
    const kept = JSON.stringify(
      await raw
        .query('select path, query from provisioning_log where directory_id = $1', [directory.id])
        .finally(() => raw.close()),
    );
    expect(kept).not.toContain(secrets.scimToken);
    expect(kept).toContain('access_token=[redacted]');
    expect(kept).toContain('filter=userName%20eq%20%22a%22');
  });

  it('redacts by parameter name, whatever the case or encoding of the name', () => {
    expect(loggedUrl('/x?Access_Token=a&b=1&client%5Fsecret=c&id_token_hint=d&code=e&state=f&q=g')).toBe(
      '/x?Access_Token=[redacted]&b=1&client%5Fsecret=[redacted]&id_token_hint=[redacted]&code=[redacted]&state=[redacted]&q=g',
    );
    expect(loggedUrl('/console/link/abc?x=1')).toBe('/console/link/[redacted]?x=1');
    expect(loggedUrl('/oidc/interaction/uid123')).toBe('/oidc/interaction/[redacted]');
    expect(loggedUrl('/oidc/interaction/uid123/x')).toBe('/oidc/interaction/[redacted]/x');
    expect(loggedUrl('/scim/v2/d/Users')).toBe('/scim/v2/d/Users');
    expect(loggedQuery('/scim/v2/d/Users?password=p&count=2')).toBe('password=[redacted]&count=2');
  });
});
