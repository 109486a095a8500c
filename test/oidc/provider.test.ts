import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connectRaw } from '../support/test-store.js';

/**
 * rollcall's OpenID Provider over real HTTP, up to the point where a sign-in leaves for the tenant's
 * SAML login: discovery, keys, the authorization request's checks, the tenant it names, and client
 * authentication at the token endpoint. host-app.test.ts runs the whole loop through the SAML IdP.
 */
let server: TestServer;
let issuer: string;
let client: { id: string; secret: string };
const REDIRECT_URI = 'http://localhost:4999/callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params: Record<string, string | null> = {}): URL {
  const url = new URL(`${issuer}/auth`);
  const all: Record<string, string | null> = {
    client_id: client.id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [key, value] of Object.entries(all)) if (value !== null) url.searchParams.set(key, value);
  return url;
}

/** Follows a sign-in until it leaves rollcall for the SAML login or comes back to the app. */
const leavesRollcall = (url: URL) => url.pathname.startsWith('/sso/') || url.port === '4999';

beforeAll(async () => {
  server = await startServer({ secretKey: randomBytes(32) });
  issuer = `${server.url}/oidc`;
  await server.createDirectory('acme');
  await server.api('POST', '/tenants/acme/domains', { domain: 'acme.test' });
  const created = await server.api('POST', '/oidc/clients', {
    name: 'Host app',
    redirectUris: [REDIRECT_URI],
  });
  expect(created.status).toBe(201);
  client = { id: created.body.id, secret: created.body.secret };
});
afterAll(() => server.close());

describe('discovery and keys', () => {
  it('publishes its endpoints under the issuer {publicUrl}/oidc, code flow with S256 PKCE only', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.issuer).toBe(issuer);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'])
      expect(doc[endpoint], endpoint).toMatch(new RegExp(`^${issuer}/`));
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'email', 'name', 'tenant', 'directory', 'roles']),
    );
    expect(doc.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
  });

  it('publishes the public half of its signing key only', async () => {
    const { keys } = await (await fetch(`${issuer}/jwks`)).json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(part);
  });

  it('stores its signing key sealed, never the private key in the clear', async () => {
    const raw = await connectRaw(server.location);
    try {
      const rows = await raw.query<{ kid: string; sealed_private_jwk: string; public_jwk: string }>(
        'select kid, sealed_private_jwk, public_jwk from oidc_signing_keys',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.sealed_private_jwk).not.toMatch(/"d"|"p"|"q"/);
      expect(JSON.parse(rows[0]!.public_jwk)).not.toHaveProperty('d');
    } finally {
      await raw.close();
    }
  });
});

describe('the authorization request', () => {
  it("sends a sign-in for the tenant it names through that tenant's SAML login, back to the interaction", async () => {
    const browser = new Browser();
    const page = await browser.navigate(authorizeUrl({ tenant: 'acme' }), { stopAt: leavesRollcall });
    expect(page.url.pathname).toBe('/sso/acme/saml/login');
    const relayState = page.url.searchParams.get('RelayState')!;
    expect(relayState).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
    expect(page.visited.map((u) => u.pathname)).toEqual(['/oidc/auth', relayState]);
  });

  it('takes the tenant from a login_hint whose email domain the tenant declared', async () => {
    const page = await new Browser().navigate(authorizeUrl({ login_hint: 'ada@ACME.test' }), {
      stopAt: leavesRollcall,
    });
    expect(page.url.pathname).toBe('/sso/acme/saml/login');
  });

  it('shows a clear page for a tenant that does not exist, with the name escaped', async () => {
    const page = await new Browser().navigate(authorizeUrl({ tenant: '<b>globex</b>' }), {
      stopAt: leavesRollcall,
    });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('Unknown organisation');
    expect(page.text).toContain('&lt;b&gt;globex&lt;/b&gt;');
    expect(page.text).not.toContain('<b>globex');
  });

  it('shows a clear page for an email domain no tenant declared, and when no tenant is named', async () => {
    const unknown = await new Browser().navigate(authorizeUrl({ login_hint: 'bob@globex.test' }), {
      stopAt: leavesRollcall,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('email addresses at globex.test');
    const none = await new Browser().navigate(authorizeUrl(), { stopAt: leavesRollcall });
    expect(none.status).toBe(400);
    expect(none.text).toContain('Which organisation?');
  });

  it('requires PKCE with S256: without it the app gets invalid_request back', async () => {
    const cases: Record<string, string | null>[] = [
      { code_challenge: null, code_challenge_method: null },
      { code_challenge_method: 'plain' },
    ];
    for (const params of cases) {
      const page = await new Browser().navigate(authorizeUrl({ tenant: 'acme', ...params }), {
        stopAt: leavesRollcall,
      });
      expect(page.url.origin).toBe('http://localhost:4999');
      expect(page.url.searchParams.get('error')).toBe('invalid_request');
      expect(page.url.searchParams.get('code')).toBeNull();
    }
  });

  it('matches redirect URIs exactly: any other one gets an error page, never a redirect', async () => {
    for (const redirect of [
      `${REDIRECT_URI}/`,
      `${REDIRECT_URI}?x=1`,
      'http://localhost:4999/Callback',
      'https://evil.test/callback',
    ]) {
      const page = await new Browser().navigate(authorizeUrl({ tenant: 'acme', redirect_uri: redirect }), {
        stopAt: leavesRollcall,
      });
      expect(page.status, redirect).toBe(400);
      expect(page.url.pathname, redirect).toBe('/oidc/auth');
      expect(page.text, redirect).toContain('redirect_uri');
    }
  });

  it('refuses an unknown client with an error page', async () => {
    const page = await new Browser().navigate(authorizeUrl({ client_id: 'nope', tenant: 'acme' }), {
      stopAt: leavesRollcall,
    });
    expect(page.status).toBe(400);
    expect(page.text).toContain('invalid_client');
  });

  it('answers an interaction without its cookie with a plain "expired" page', async () => {
    const browser = new Browser();
    const page = await browser.navigate(authorizeUrl({ tenant: 'acme' }), { stopAt: leavesRollcall });
    const interaction = new URL(page.url.searchParams.get('RelayState')!, server.url);
    const stranger = await new Browser().navigate(interaction);
    expect(stranger.status).toBe(400);
    expect(stranger.text).toContain('Sign-in expired');
  });

  it('stores its records by hashed id and sealed: the interaction id is nowhere in the clear', async () => {
    const page = await new Browser().navigate(authorizeUrl({ tenant: 'acme' }), { stopAt: leavesRollcall });
    const uid = page.url.searchParams.get('RelayState')!.split('/').at(-1)!;
    const raw = await connectRaw(server.location);
    try {
      const rows = await raw.query<{ model: string; id_hash: string; sealed_payload: string }>(
        "select model, id_hash, sealed_payload from oidc_payloads where model = 'Interaction'",
      );
      const hash = createHash('sha256').update(uid).digest('hex');
      expect(rows.map((r) => r.id_hash)).toContain(hash);
      for (const row of rows) {
        expect(row.id_hash).not.toBe(uid);
        expect(row.sealed_payload).not.toContain(uid);
        expect(row.sealed_payload).not.toContain(client.id);
      }
    } finally {
      await raw.close();
    }
  });
});

describe("the provider's cookies", () => {
  /** An authorization request in `browser`, stopped at its interaction: the interaction's URL. */
  async function interactionOf(browser: Browser): Promise<URL> {
    const page = await browser.navigate(authorizeUrl({ tenant: 'acme' }), {
      stopAt: (url) => url.pathname.startsWith('/oidc/interaction/'),
    });
    return page.url;
  }

  it('are signed (HMAC-SHA-256: 43 characters of base64url) with a key derived from the secret key', async () => {
    const browser = new Browser();
    const interaction = await interactionOf(browser);
    const uid = interaction.pathname.split('/').at(-1)!;
    expect(browser.jar.get('127.0.0.1', 'rollcall_oidc_interaction')).toBe(uid);
    expect(browser.jar.get('127.0.0.1', 'rollcall_oidc_interaction.sig')).toMatch(/^[\w-]{43}$/);
    expect(browser.jar.get('127.0.0.1', 'rollcall_oidc_resume.sig')).toMatch(/^[\w-]{43}$/);
  });

  it("refuses an interaction cookie forged from the interaction's URL, or with its signature altered", async () => {
    const victim = new Browser();
    const interaction = await interactionOf(victim);
    const uid = interaction.pathname.split('/').at(-1)!;
    const forged = [
      [`rollcall_oidc_interaction=${uid}; Path=${interaction.pathname}`],
      [
        `rollcall_oidc_interaction=${uid}; Path=${interaction.pathname}`,
        `rollcall_oidc_interaction.sig=${'A'.repeat(27)}; Path=${interaction.pathname}`,
      ],
    ];
    for (const cookies of forged) {
      const attacker = new Browser();
      attacker.jar.store(interaction, cookies);
      const page = await attacker.navigate(interaction, { stopAt: leavesRollcall });
      expect(page.status, cookies.join(' ')).toBe(400);
      expect(page.text).toContain('Sign-in expired');
    }
    // The browser that started it goes on to the SAML login.
    const page = await victim.navigate(interaction, { stopAt: leavesRollcall });
    expect(page.url.pathname).toBe('/sso/acme/saml/login');
  });
});

describe('the token endpoint', () => {
  const exchange = (authorization: string) =>
    fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'not-a-code',
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce().verifier,
      }),
    });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('authenticates the app by its secret, checked against the stored hash', async () => {
    const right = await exchange(basic(client.id, client.secret));
    expect(right.status).toBe(400);
    expect((await right.json()).error).toBe('invalid_grant');
    const wrong = await exchange(basic(client.id, `${client.secret}x`));
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('invalid_client');
  });

  it('does not take the stored hash for the secret', async () => {
    const raw = await connectRaw(server.location);
    const [row] = await raw.query<{ secret_hash: string }>(
      'select secret_hash from oidc_clients where id = $1',
      [client.id],
    );
    await raw.close();
    expect(row!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const res = await exchange(basic(client.id, row!.secret_hash));
    expect(res.status).toBe(401);
  });
});

describe('IdP-initiated sign-in handed to the app', () => {
  it("sends the browser to the app's login URI with the issuer", async () => {
    const created = await server.api('POST', '/oidc/clients', {
      name: 'Launched',
      redirectUris: ['https://app.test/callback'],
      loginUri: 'https://app.test/login',
    });
    const page = await new Browser().navigate(`${server.url}${created.body.relayState}`, {
      stopAt: (url) => url.hostname === 'app.test',
    });
    expect(page.url.origin + page.url.pathname).toBe('https://app.test/login');
    expect(page.url.searchParams.get('iss')).toBe(issuer);
  });

  it('shows a page for an unknown app or one without a login URI', async () => {
    const unknown = await new Browser().navigate(`${server.url}/oidc/launch/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('Unknown app');
    const noLogin = await new Browser().navigate(`${server.url}/oidc/launch/${client.id}`);
    expect(noLogin.status).toBe(400);
    expect(noLogin.text).toContain('Host app');
  });
});
