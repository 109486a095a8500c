import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleOperators } from '../../src/directory/console-operators.js';
import { TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestDirectory, type TestServer } from '../support/rollcall-server.js';
import { connectRaw, type RawConnection, TEST_STORE } from '../support/test-store.js';

/**
 * How console forms are taken. Every console change is stored with its audit record or not at all: with the audit table refusing
 * inserts (a trigger on the real database), each change fails and leaves nothing behind; without
 * it, the change and its record are both there. And each form has a size limit, checked before it
 * is read: over it, a 413 page says so and nothing changes.
 */
let server: TestServer;
let idp: TestIdp;
let metadataServer: Server;
let metadataUrl: string;
let raw: RawConnection;
let acme: TestDirectory;
let cookie: string;

const PASSWORD = 'operator password 1';

async function refuseAudits(): Promise<void> {
  if (TEST_STORE === 'sqlite')
    await raw.query(
      "create trigger audit_refused before insert on console_audit begin select raise(abort, 'audit refused'); end",
    );
  else {
    await raw.query(
      "create function audit_refused() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$",
    );
    await raw.query(
      'create trigger audit_refused before insert on console_audit for each row execute function audit_refused()',
    );
  }
}

async function acceptAudits(): Promise<void> {
  if (TEST_STORE === 'sqlite') await raw.query('drop trigger audit_refused');
  else {
    await raw.query('drop trigger audit_refused on console_audit');
    await raw.query('drop function audit_refused()');
  }
}

async function post(path: string, form: Record<string, string>): Promise<number> {
  return (await postForm(path, form)).status;
}

async function postForm(
  path: string,
  form: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const page = await fetch(`${server.url}/console/tenants`, { headers: { cookie } }).then((r) => r.text());
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie },
    body: new URLSearchParams({ ...form, _csrf: csrf }),
  });
  return { status: response.status, text: await response.text() };
}

async function audits(action: string): Promise<number> {
  const rows = await raw.query<{ n: number | string }>(
    'select count(*) as n from console_audit where action = $1',
    [action],
  );
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  idp = await TestIdp.create();
  metadataServer = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'application/xml' }).end(idp.metadata()),
  );
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/metadata.xml`;
  server = await startServer({ samlMetadataFetch: { allowHttp: true, allowPrivateAddresses: true } });
  raw = await connectRaw(server.location);
  acme = await server.createDirectory('acme', { name: 'employees' });
  await new ConsoleOperators(server.store).create('ops@vendor.test', PASSWORD);
  const signedIn = await fetch(`${server.url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ email: 'ops@vendor.test', password: PASSWORD }),
  });
  cookie = /rollcall_console=[^;]+/.exec(signedIn.headers.get('set-cookie') ?? '')![0];
});
afterAll(async () => {
  await raw.close();
  await server.close();
  await new Promise((resolve) => metadataServer.close(resolve));
});

describe('a console change and its audit record', () => {
  const changes: {
    name: string;
    action: string;
    send: () => Promise<number>;
    stored: () => Promise<boolean>;
  }[] = [
    {
      name: 'SSO settings from a metadata URL',
      action: 'sso.save',
      send: () => post('/console/t/acme/sso', { metadataUrl, emailAttribute: 'email' }),
      stored: async () => (await server.api('GET', '/tenants/acme/saml')).body.configured === true,
    },
    {
      name: 'a tenant',
      action: 'tenant.create',
      send: () => post('/console/tenants', { slug: 'initech', name: 'Initech' }),
      stored: async () => (await server.api('GET', '/tenants/initech')).status === 200,
    },
    {
      name: 'a directory',
      action: 'directory.create',
      send: () => post('/console/t/acme/directories', { name: 'contractors' }),
      stored: async () =>
        (await server.api('GET', '/tenants/acme/directories')).body.items.some(
          (d: { name: string }) => d.name === 'contractors',
        ),
    },
    {
      name: 'provisioning switched off',
      action: 'directory.provisioning_off',
      send: () => post(`/console/t/acme/directories/${acme.id}/provisioning`, {}),
      stored: async () => (await acme.scim('GET', '/Users')).status === 403,
    },
  ];

  for (const change of changes)
    it(`${change.name}: stored together, or neither when the audit write fails`, async () => {
      await refuseAudits();
      try {
        expect(await change.send()).toBe(500);
      } finally {
        await acceptAudits();
      }
      expect(await change.stored()).toBe(false);
      expect(await audits(change.action)).toBe(0);

      expect(await change.send()).toBe(303);
      expect(await change.stored()).toBe(true);
      expect(await audits(change.action)).toBe(1);
    });
});

describe('form size limits', () => {
  /** The IdP's metadata grown to about `bytes` with an XML comment (metadata stays valid). */
  const paddedMetadata = (bytes: number) =>
    idp.metadata().replace(/(<\/[\w:]*EntityDescriptor>\s*)$/, `<!-- ${'x'.repeat(bytes)} -->$1`);

  it('takes pasted SSO metadata far over the 64 KiB of other forms', async () => {
    const metadataXml = paddedMetadata(300 * 1024);
    expect(metadataXml.length).toBeGreaterThan(300 * 1024);
    expect(await post('/console/t/acme/sso', { metadataXml, emailAttribute: 'mail' })).toBe(303);
    expect((await server.api('GET', '/tenants/acme/saml')).body.emailAttribute).toBe('mail');
  });

  it('refuses an SSO form over 1 MiB with a 413 page that says what to do, and changes nothing', async () => {
    const before = await audits('sso.save');
    const answer = await postForm('/console/t/acme/sso', {
      metadataXml: paddedMetadata(1100 * 1024),
      emailAttribute: 'too-large',
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('PAYLOAD_TOO_LARGE');
    expect(answer.text).toContain('give the IdP&#39;s metadata URL instead');
    expect((await server.api('GET', '/tenants/acme/saml')).body.emailAttribute).toBe('mail');
    expect(await audits('sso.save')).toBe(before);
  });

  it('keeps every other form to 64 KiB, and the forms anyone may send to 8 KiB', async () => {
    const big = await postForm('/console/tenants', { slug: 'roomy', name: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect(big.text).toContain('at most 64 KiB');
    expect((await server.api('GET', '/tenants/roomy')).status).toBe(404);

    const signIn = await fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email: 'ops@vendor.test', password: 'x'.repeat(9 * 1024) }),
    });
    expect(signIn.status).toBe(413);
    expect(await signIn.text()).toContain('at most 8 KiB');
  });
});
