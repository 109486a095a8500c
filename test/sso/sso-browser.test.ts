import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/html/html.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { connect, person, spMetadata, spOf } from '../support/sso.js';

/**
 * Single sign-on in a real browser (Debian's Chromium): the IdP is a page on another site
 * (`localhost`, while rollcall is `127.0.0.1`) that posts the samlify-signed response to the ACS with
 * an auto-submitting form, as Entra does. This proves what fetch cannot: the session cookie set by the
 * answer to that cross-site POST (SameSite=Lax) is kept and sent on the redirect that follows, so the
 * person lands signed in. Browser behaviour does not depend on the store: the sqlite project only.
 */
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

let server: TestServer;
let idp: TestIdp;
let idpServer: Server;
let browser: Browser;
let page: Page;

/** The page Entra shows after sign-in: a form that posts the response to the ACS at once. */
function autoPost(acsUrl: string, samlResponse: string, relayState?: string): string {
  return `<!doctype html><html><body onload="document.forms[0].submit()">
<form method="post" action="${escapeHtml(acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(samlResponse)}">
${relayState === undefined ? '' : `<input type="hidden" name="RelayState" value="${escapeHtml(relayState)}">`}
</form></body></html>`;
}

describe('single sign-on in a browser', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium)`);
    idpServer = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', `http://localhost`);
      const sp = spOf(server, 'acme');
      if (url.pathname === '/saml2') {
        // SP-initiated: answer the AuthnRequest rollcall sent, for the person "signed in" at the IdP.
        const received = await idp.receive(url.toString(), await spMetadata(server, 'acme'));
        const samlResponse = await idp.respond(sp, { ...person('ada@acme.test'), inResponseTo: received.id });
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(autoPost(sp.acsUrl, samlResponse, received.relayState));
      } else if (url.pathname === '/myapps/acme') {
        // IdP-initiated: the app's tile in My Apps.
        const samlResponse = await idp.respond(sp, person('ada@acme.test'));
        response.writeHead(200, { 'content-type': 'text/html' }).end(autoPost(sp.acsUrl, samlResponse));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
    const idpPort = (idpServer.address() as AddressInfo).port;
    server = await startServer();
    idp = await TestIdp.create({ ssoUrl: `http://localhost:${idpPort}/saml2` });
    const staff = await server.createDirectory('acme', {
      name: 'staff',
      roles: [{ value: 'admin', display: 'Admin' }],
    });
    const created = await staff.scim('POST', '/Users', {
      userName: 'ada@acme.test',
      displayName: 'Ada Lovelace',
      emails: [{ value: 'ada@acme.test', primary: true }],
      roles: [{ value: 'Admin', primary: true }],
    });
    expect(created.status).toBe(201);
    await connect(server, 'acme', idp);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => idpServer?.close(resolve));
  });

  it('SP-initiated: rollcall → the IdP on another site → ACS → signed in, with the role SCIM gave', async () => {
    await page.goto(`${server.url}/sso/acme/saml/login`);
    await page.waitForURL(`${server.url}/sso/acme/signed-in`);
    expect(await page.textContent('h1')).toBe('Signed in');
    expect(await page.textContent('body')).toContain('Ada Lovelace (ada@acme.test)');
    expect(await page.textContent('body')).toContain('admin');
    const cookies = await page.context().cookies(server.url);
    expect(cookies.find((c) => c.name === 'rollcall_sso')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    // The session answers for the cookie the browser keeps.
    await page.goto(`${server.url}/sso/acme/session`);
    expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({
      email: 'ada@acme.test',
      roles: ['admin'],
    });
  });

  it('signs out with the button of the signed-in page', async () => {
    await page.goto(`${server.url}/sso/acme/signed-in`);
    await page.click('button[type=submit]');
    expect(await page.textContent('h1')).toBe('Signed out');
    const session = await page.goto(`${server.url}/sso/acme/session`);
    expect(session?.status()).toBe(401);
  });

  it('IdP-initiated from My Apps lands signed in, and a RelayState path is followed', async () => {
    await page.goto(`http://localhost:${(idpServer.address() as AddressInfo).port}/myapps/acme`);
    await page.waitForURL(`${server.url}/sso/acme/signed-in`);
    expect(await page.textContent('body')).toContain('ada@acme.test');

    await page.context().clearCookies();
    await page.goto(
      `${server.url}/sso/acme/saml/login?RelayState=${encodeURIComponent('/sso/acme/session')}`,
    );
    await page.waitForURL(`${server.url}/sso/acme/session`);
    expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({ tenant: 'acme' });
  });
});
