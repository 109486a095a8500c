import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProviderFor } from '../../src/saml/connection.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { send } from '../support/rollcall-server.js';
import { createTestLocation, type TestLocation } from '../support/test-store.js';

/**
 * The seeds' admin flows in a real browser (Debian's Chromium, driven by playwright-core) against a
 * real `rollcall start` process over HTTP. Screenshots of every page go to test-artifacts/console/.
 * Runs in the sqlite project only (vitest.config.ts), to keep CI fast.
 */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'rollcall.js');
const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PASSWORD = 'an operator password';

let location: TestLocation;
let port: number;
let base: string;
let server: ChildProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let idp: TestIdp;
let idpServer: Server;
/** Who the IdP signs in next, as Entra would after its own sign-in page. */
let idpUser = 'ada@acme.test';

/** HTML of the IdP's page: who is signing in, and a button that posts the response to the ACS. */
function idpPage(acsUrl: string, samlResponse: string, relayState: string | undefined): string {
  const attribute = (value: string) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP</title></head><body>
<h1>Test IdP</h1><p>Signing in as ${idpUser}</p>
<form method="post" action="${attribute(acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${attribute(samlResponse)}">
${relayState === undefined ? '' : `<input type="hidden" name="RelayState" value="${attribute(relayState)}">`}
<button type="submit">Continue</button></form></body></html>`;
}

/**
 * A SAML IdP on a loopback port: samlify reads rollcall's AuthnRequest (HTTP-Redirect) and answers
 * with a signed response, which the browser posts to the ACS (HTTP-POST), as with Entra.
 */
async function startIdp(): Promise<void> {
  const idpPort = await freePort();
  idp = await TestIdp.create({ ssoUrl: `http://127.0.0.1:${idpPort}/saml2` });
  idpServer = createHttpServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${idpPort}`);
      const spMetadata = await (await fetch(`${base}/sso/acme/saml/metadata`)).text();
      const authn = await idp.receive(url.toString(), spMetadata);
      const samlResponse = await idp.respond(serviceProviderFor(base, 'acme'), {
        nameId: idpUser,
        attributes: { email: idpUser, displayname: idpUser.split('@')[0]! },
        inResponseTo: authn.id,
      });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(idpPage(authn.acsUrl, samlResponse, authn.relayState));
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => idpServer.listen(idpPort, '127.0.0.1', resolve));
}

function rollcall(args: string[], input?: string): Promise<{ stdout: string }> {
  const child = run(process.execPath, [BIN, ...args, ...location.cliArgs, '--port', String(port)]);
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return child;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function shot(name: string, target: Page = page, options: { mask?: string[] } = {}): Promise<void> {
  await target.screenshot({
    path: join(SHOTS, `${name}.png`),
    fullPage: true,
    ...(options.mask && { mask: options.mask.map((selector) => target.locator(selector)) }),
  });
}

/** Reloads until `text` is on the page: the provisioning log is written in batches, a moment after the request. */
async function reloadUntil(text: string, tries = 20): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if ((await page.content()).includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await page.reload();
  }
  throw new Error(`"${text}" never appeared on ${page.url()}`);
}

/** The page's HTML once it has stopped navigating. */
async function settledContent(target: Page): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      await target.waitForLoadState('load');
      return await target.content();
    } catch (error) {
      if (i === 10) throw error;
    }
  }
}

const state: { directoryId?: string; token?: string; scimUrl?: string; userId?: string } = {};

async function scim(method: string, path: string, body?: unknown) {
  return send(`${state.scimUrl}${path}`, method, body, { authorization: `Bearer ${state.token}` });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium), as .ci/run does`,
    );
  mkdirSync(SHOTS, { recursive: true });
  location = await createTestLocation();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await rollcall(['console', 'user', 'create', 'ops@vendor.test', '--password-stdin'], `${PASSWORD}\n`);
  server = spawn(process.execPath, [BIN, 'start', ...location.cliArgs, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`rollcall start exited with ${code}`)));
  });
  await startIdp();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (idpServer ? idpServer.close(resolve) : resolve(undefined)));
  if (server) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await location?.remove();
});

describe('the admin console in a browser', () => {
  it('signs an operator in with the password the CLI set', async () => {
    await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/console/sign-in`);
    await shot('01-sign-in');
    await page.getByLabel('Email').fill('ops@vendor.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('The email or the password is not right');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/tenants`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tenants');
  });

  it('creates a tenant and a SCIM directory with its app roles', async () => {
    await page.getByLabel('Slug', { exact: true }).fill('acme');
    await page.getByLabel('Name', { exact: true }).fill('Acme Corp');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.waitForURL(`${base}/console/t/acme?notice=tenant-created`);
    expect(await page.getByRole('status').first().textContent()).toContain('Tenant created');
    await page.getByLabel('Name', { exact: true }).fill('employees');
    await page.getByLabel(/App roles/).fill('admin: Admin\nAppAdmin\nmember: Member');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.waitForURL(/\/console\/t\/acme\/directories\/[0-9a-f-]+\?notice=directory-created/);
    state.directoryId = /directories\/([0-9a-f-]+)/.exec(page.url())![1];
    state.scimUrl = `${base}/scim/v2/${state.directoryId}`;
    expect(await page.getByLabel('SCIM URL (Tenant URL in Entra)').inputValue()).toBe(state.scimUrl);

    // The seeds' roles: a default for users Entra sends without one, and who may open the console.
    await page.getByRole('textbox', { name: 'Default role' }).fill('member');
    await page.getByRole('checkbox', { name: /^Admin/ }).check();
    await page.getByRole('button', { name: 'Save role settings' }).click();
    await page.waitForURL(/notice=roles-saved/);
    expect(await page.getByRole('checkbox', { name: /^Admin/ }).isChecked()).toBe(true);
    await shot('04-directory-settings');

    await page.goto(`${base}/console/tenants`);
    await shot('02-tenants');
  });

  it('copies the SCIM URL with its button', async () => {
    await page.goto(`${base}/console/t/acme/directories/${state.directoryId}`);
    await page.getByRole('button', { name: 'Copy' }).first().click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(state.scimUrl);
  });

  it('generates a token that is shown once and never again', async () => {
    await page.getByRole('button', { name: 'Generate token' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('You will not be able to view it again');
    const token = await page.getByLabel('Secret Token').inputValue();
    expect(token).toMatch(/^rcs_/);
    state.token = token;
    await shot('05-token-shown-once', page, { mask: ['#token'] });
    await page.getByRole('link', { name: /^Done/ }).click();
    await page.waitForURL(`${base}/console/t/acme/directories/${state.directoryId}`);
    expect(await page.content()).not.toContain(token);
    expect(await page.getByRole('cell', { name: `${token.slice(0, 10)}…` }).count()).toBe(1);
    // Back to the page that showed it: the browser kept no copy (no-store), and asking again makes no new one.
    await page.goBack({ waitUntil: 'load' }).catch(() => undefined);
    expect(await settledContent(page)).not.toContain(token);
    await page.goto(`${base}/console/t/acme/directories/${state.directoryId}`);
    expect(await page.content()).not.toContain(token);
  });

  it('shows a user a SCIM client provisioned with a role, with the role and the "Provisioned" label', async () => {
    // What Entra sends with SingleAppRoleAssignment: the role's display name (seed 002).
    const created = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@acme.test',
      externalId: '0a21f0f2',
      active: true,
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, type: 'work', value: 'ada@acme.test' }],
      roles: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
    });
    expect(created.status).toBe(201);
    state.userId = created.body.id;
    const member = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'bob@acme.test',
      active: true,
      displayName: 'Bob Member',
    });
    expect(member.status).toBe(201);
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Natoma Admins',
      members: [{ value: state.userId }],
    });
    expect(group.status).toBe(201);

    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.getByRole('row', { name: /ada@acme\.test/ });
    expect(await row.getByText('admin', { exact: true }).count()).toBe(1);
    expect(await row.getByText('Provisioned', { exact: true }).count()).toBe(1);
    expect(await row.getByText('Natoma Admins').count()).toBe(1);
    expect(
      await page
        .getByRole('row', { name: /bob@acme\.test/ })
        .getByText('member', { exact: true })
        .count(),
    ).toBe(1);
    await shot('06-users');

    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.getByRole('row', { name: /bob@acme\.test/ }).count()).toBe(0);
    expect(await page.getByRole('row', { name: /ada@acme\.test/ }).count()).toBe(1);

    await page.getByRole('link', { name: 'ada@acme.test' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Ada Lovelace');
    expect(await page.locator('pre.code').textContent()).toContain('"userName": "ada@acme.test"');
    await reloadUntil('POST');
    await shot('07-user');

    await page.getByRole('link', { name: 'Groups' }).click();
    const groupRow = page.getByRole('row', { name: /Natoma Admins/ });
    expect(await groupRow.getByRole('cell').nth(1).textContent()).toBe('1');
    await shot('08-groups');
  });

  it('switches provisioning off, and shows the refused request in the provisioning logs', async () => {
    await page.getByRole('link', { name: 'SCIM settings' }).click();
    const toggle = page.getByRole('switch', { name: 'SCIM provisioning' });
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    await page.waitForURL(/notice=provisioning-off/);
    expect(await page.getByRole('switch', { name: 'SCIM provisioning' }).getAttribute('aria-checked')).toBe(
      'false',
    );

    const refused = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "carol@acme.test"')}`);
    expect(refused.status).toBe(403);

    await page.getByRole('link', { name: 'Provisioning logs' }).click();
    await page.getByLabel('Errors only').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await reloadUntil('Provisioning is switched off');
    const row = page.getByRole('row', { name: /Provisioning is switched off/ });
    expect(await row.getByText('403').count()).toBe(1);
    await shot('09-provisioning-logs');
    await row.getByRole('link').first().click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('403');
    expect(await page.content()).toContain('userName eq');
    await shot('10-log-entry');
  });

  it('records every change in the audit log', async () => {
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    const text = await page.locator('main').textContent();
    for (const action of [
      'tenant.create',
      'directory.create',
      'directory.roles',
      'token.generate',
      'directory.provisioning_off',
    ])
      expect(text).toContain(action);
    await shot('11-audit-log');
    await page.goto(`${base}/console/t/acme`);
    await shot('03-tenant-overview');
  });

  it('is usable by keyboard: the skip link leads to the content', async () => {
    await page.goto(`${base}/console/t/acme`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('reads on a phone', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/console/t/acme/directories/${state.directoryId}/users`);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await shot('12-users-phone', phone);
    await phone.close();
  });

  it('signs an operator in with a one-time link from the CLI, once', async () => {
    const { stdout } = await rollcall(['console', 'link', '--json']);
    const { url } = JSON.parse(stdout) as { url: string };
    expect(url).toMatch(new RegExp(`^${base}/console/link/rcl_`));
    const fresh = await browser.newContext();
    fresh.setDefaultTimeout(10_000);
    const other = await fresh.newPage();
    await other.goto(url);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.waitForURL(`${base}/console/tenants`);
    await other.goto(url);
    await other.getByRole('button', { name: 'Sign in' }).click();
    expect(await other.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in refused');
    await fresh.close();
  });

  it('sets SAML SSO up, runs Test Connection, and only then switches it on', async () => {
    await page.goto(`${base}/console/t/acme/sso`);
    expect(await page.getByLabel('Reply URL (Assertion Consumer Service URL)').inputValue()).toBe(
      `${base}/sso/acme/saml/acs`,
    );
    await page.getByLabel('Or the metadata XML').fill(idp.metadata());
    expect(await page.getByLabel('Request signed Assertions from the IdP?').isChecked()).toBe(false);
    expect(await page.getByLabel('Request signed Authentication Response from the IdP?').isChecked()).toBe(
      false,
    );
    await page.getByLabel('Email attribute').fill('email');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/notice=sso-saved/);
    expect(await page.getByRole('switch', { name: 'SAML 2.0' }).isDisabled()).toBe(true);

    idpUser = 'ada@acme.test';
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Test Connection succeeded');
    await shot('14-test-connection-answer');

    await page.goto(`${base}/console/t/acme/sso`);
    expect(await page.getByRole('heading', { name: 'What the identity provider sent' }).count()).toBe(1);
    expect(await page.locator('main').textContent()).toContain('signs in as ada@acme.test');
    const toggle = page.getByRole('switch', { name: 'SAML 2.0' });
    expect(await toggle.isDisabled()).toBe(false);
    await toggle.click();
    await page.waitForURL(/notice=sso-on/);
    expect(await page.getByRole('switch', { name: 'SAML 2.0' }).getAttribute('aria-checked')).toBe('true');
    await shot('13-sso');
  });

  it("lets a tenant admin sign in through the tenant's SAML SSO and see only their tenant", async () => {
    await rollcall(['tenant', 'create', 'globex', '--name', 'Globex']);
    const admin = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    admin.setDefaultTimeout(10_000);
    const own = await admin.newPage();
    await own.goto(`${base}/console`);
    await own.getByLabel('Organisation').fill('acme');
    idpUser = 'ada@acme.test';
    await own.getByRole('button', { name: 'Continue with SSO' }).click();
    expect(await own.locator('p').first().textContent()).toBe('Signing in as ada@acme.test');
    await own.getByRole('button', { name: 'Continue' }).click();
    await own.waitForURL(`${base}/console/t/acme`);
    expect(await own.getByRole('heading', { level: 1 }).textContent()).toContain('Acme Corp');
    expect(await own.getByRole('banner').textContent()).toContain('Admin of acme');
    expect(
      await own.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Tenants' }).count(),
    ).toBe(0);
    await shot('15-tenant-admin', own);

    const globex = await own.goto(`${base}/console/t/globex`);
    expect(globex?.status()).toBe(404);
    expect(await own.locator('main').textContent()).not.toContain('Globex');
    const tenants = await own.goto(`${base}/console/tenants`);
    expect(tenants?.status()).toBe(403);
    await own.goto(`${base}/console/t/acme/directories/${state.directoryId}/users`);
    const row = own.getByRole('row', { name: /ada@acme\.test/ });
    expect(await row.locator('time').count()).toBe(1);
    await admin.close();

    // A member of the tenant, without a console role, signs in at the IdP but gets no console.
    const member = await browser.newContext();
    member.setDefaultTimeout(10_000);
    const other = await member.newPage();
    await other.goto(`${base}/console/sign-in`);
    await other.getByLabel('Organisation').fill('acme');
    idpUser = 'bob@acme.test';
    await other.getByRole('button', { name: 'Continue with SSO' }).click();
    await other.getByRole('button', { name: 'Continue' }).click();
    await other.waitForURL(`${base}/console/sso/callback`);
    expect(await other.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    expect((await member.cookies()).some((c) => c.name === 'rollcall_console')).toBe(false);
    await member.close();
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/console/sign-in?signed-out=1`);
    await page.goto(`${base}/console/tenants`);
    expect(page.url()).toContain('/console/sign-in');
  });
});
