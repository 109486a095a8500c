import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPair, TestIdp } from '../../src/saml/testing/test-idp.js';
import { startServer, type TestServer } from '../support/rollcall-server.js';
import { browserGet, browserPost, person, signInIdpInitiated, spMetadata, spOf } from '../support/sso.js';

/** `rollcall saml …` (the built bin, as an operator runs it) on the same store as a running server. */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'rollcall.js');
let server: TestServer;
let idp: TestIdp;

function rollcall(...args: string[]) {
  return rollcallWith({}, ...args);
}

function rollcallWith(env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, [BIN, ...args, '--public-url', server.url, ...server.location.cliArgs], {
    env: { ...process.env, ...env },
  });
}

beforeAll(async () => {
  server = await startServer();
  idp = await TestIdp.create();
  const staff = await server.createDirectory('acme', {
    name: 'staff',
    roles: [{ value: 'member', display: 'Member' }],
  });
  await staff.scim('POST', '/Users', {
    userName: 'ada@acme.test',
    emails: [{ value: 'ada@acme.test' }],
    roles: [{ value: 'member', primary: true }],
  });
});
afterAll(() => server.close());

describe('rollcall saml', () => {
  it('shows the SP values before anything is set', async () => {
    const { stdout } = await rollcall('saml', 'show', 'acme');
    expect(stdout).toContain('SAML single sign-on of tenant acme: not configured');
    expect(stdout).toContain(`Identifier (Entity ID):  ${server.url}/sso/acme/saml/metadata`);
    expect(stdout).toContain(`Reply URL (ACS URL):     ${server.url}/sso/acme/saml/acs`);
    expect(stdout).toContain(`Sign on URL:             ${server.url}/sso/acme/saml/login`);
  });

  it('sets the connection from a metadata file; the running server signs people in with it', async () => {
    const file = join(server.dataDir, 'idp-metadata.xml');
    writeFileSync(file, idp.metadata());
    const set = JSON.parse(
      (await rollcall('saml', 'set', 'acme', '--metadata-file', file, '--enabled', 'on', '--json')).stdout,
    );
    expect(set).toMatchObject({
      configured: true,
      enabled: true,
      metadataSource: 'xml',
      idp: { entityId: idp.entityId },
    });
    expect((await signInIdpInitiated(server, 'acme', idp, person('ada@acme.test'))).status).toBe(303);

    const shown = (await rollcall('saml', 'show', 'acme')).stdout;
    expect(shown).toContain('SAML single sign-on of tenant acme: on');
    expect(shown).toContain(`Entity ID:  ${idp.entityId}`);
    expect(shown).toContain('Request signed Assertions:               off');
    expect(shown).toContain('IdP-initiated sign-in:                   allowed');
  });

  it('takes certificates by hand (a rollover) and the options', async () => {
    const next = await createKeyPair({ commonName: 'Next' });
    const current = join(server.dataDir, 'current.pem');
    const upcoming = join(server.dataDir, 'next.pem');
    writeFileSync(current, idp.key.cert);
    writeFileSync(upcoming, next.cert);
    const set = JSON.parse(
      (
        await rollcall(
          'saml',
          'set',
          'acme',
          '--entity-id',
          idp.entityId,
          '--sso-url',
          idp.ssoUrl,
          '--certificate',
          current,
          '--certificate',
          upcoming,
          '--idp-initiated',
          'off',
          '--email-attribute',
          'mail',
          '--json',
        )
      ).stdout,
    );
    expect(set).toMatchObject({ metadataSource: 'manual', allowIdpInitiated: false, emailAttribute: 'mail' });
    expect(set.idp.certificates).toHaveLength(2);
    const back = JSON.parse(
      (await rollcall('saml', 'set', 'acme', '--idp-initiated', 'on', '--email-attribute', '', '--json'))
        .stdout,
    );
    expect(back).toMatchObject({ allowIdpInitiated: true, emailAttribute: 'email' });
  });

  it('runs a Test Connection: a link to open, then what the IdP sent', async () => {
    const started = JSON.parse((await rollcall('saml', 'test', 'acme', '--json')).stdout);
    expect(started).toMatchObject({ status: 'pending' });
    const text = (await rollcall('saml', 'test', 'acme', started.id)).stdout;
    expect(text).toContain(started.url);

    const login = await browserGet(started.url);
    const request = await idp.receive(login.location!, await spMetadata(server, 'acme'));
    const response = await idp.respond(spOf(server, 'acme'), {
      ...person('ada@acme.test'),
      inResponseTo: request.id,
    });
    expect((await browserPost(`${server.url}/sso/acme/saml/acs`, { SAMLResponse: response })).status).toBe(
      200,
    );

    const result = (await rollcall('saml', 'test', 'acme', started.id)).stdout;
    expect(result).toContain(`Test Connection ${started.id} succeeded: signs in as ada@acme.test`);
    expect(result).toContain('with roles member');
    expect(result).toContain('Email:   ada@acme.test (from email)');
  });

  it('shows the sign-in log, refusals with their reason', async () => {
    await signInIdpInitiated(server, 'acme', idp, person('nobody@acme.test'));
    const { stdout } = await rollcall('saml', 'log', 'acme', '--errors', '--limit', '5');
    expect(stdout).toContain(
      'refused   nobody@acme.test  USER_NOT_PROVISIONED: no user of this tenant has the email nobody@acme.test',
    );
    expect(stdout).not.toContain('signed_in');
  });

  it('explains mistakes: usage (exit 2) and invalid settings (exit 1, with the code)', async () => {
    await expect(rollcall('saml', 'set', 'acme')).rejects.toMatchObject({ code: 2 });
    await expect(rollcall('saml', 'set', 'acme', '--jit', 'maybe')).rejects.toMatchObject({ code: 2 });
    const bad = join(server.dataDir, 'bad.pem');
    writeFileSync(bad, 'not a certificate');
    const failed = await rollcall('saml', 'set', 'acme', '--certificate', bad).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect(failed!.stderr).toContain('CERTIFICATE_INVALID');
    await expect(rollcall('saml', 'refresh', 'acme')).rejects.toMatchObject({ code: 1 });
  });

  it('fetches a metadata URL on a private address only with --metadata-allow-private or its variable', async () => {
    // A closed port on loopback: refused before connecting by default, a refused connection when allowed.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `https://127.0.0.1:${port}/federationmetadata.xml`;
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
    const refused = await failure(rollcall('saml', 'set', 'acme', '--metadata-url', url));
    expect(refused).toMatchObject({ code: 1 });
    expect(refused!.stderr).toContain('that is not a public address');
    for (const allowed of [
      failure(rollcall('saml', 'set', 'acme', '--metadata-url', url, '--metadata-allow-private')),
      failure(
        rollcallWith({ SAML_METADATA_ALLOW_PRIVATE: '1' }, 'saml', 'set', 'acme', '--metadata-url', url),
      ),
    ]) {
      const attempted = await allowed;
      expect(attempted).toMatchObject({ code: 1 });
      expect(attempted!.stderr).toContain('could not be fetched: ECONNREFUSED');
    }
  });

  it('removes the connection', async () => {
    await rollcall('saml', 'remove', 'acme');
    expect((await rollcall('saml', 'show', 'acme')).stdout).toContain('not configured');
    await expect(rollcall('saml', 'remove', 'acme')).rejects.toMatchObject({ code: 1 });
  });
});
