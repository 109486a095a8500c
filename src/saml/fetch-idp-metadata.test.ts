import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlError } from './errors.js';
import { fetchIdpMetadata } from './fetch-idp-metadata.js';
import { TestIdp } from './testing/test-idp.js';

/** A real HTTP server on 127.0.0.1 standing in for Entra's metadata endpoint, one path per behaviour. */
let server: Server;
let base: string;
let metadataXml: string;
let entityId: string;
let streamedChunks = 0;
const held: ServerResponse[] = [];
/** The paths the server was asked for, in order: what reached it, and what a refusal kept away. */
const seen: string[] = [];
/** A second server on another loopback address (127.0.0.2): a redirect's private target. */
let inner: Server;
let innerBase: string;
const innerSeen: string[] = [];
/** Loopback is not public: these tests reach their servers only because they say so. */
const LOCAL = { allowHttp: true, allowPrivateAddresses: true } as const;

beforeAll(async () => {
  const idp = await TestIdp.create();
  metadataXml = idp.metadata();
  entityId = idp.entityId;
  server = createServer((request, response) => {
    seen.push(request.url ?? '');
    const redirect = /^\/redirect\?to=(.+)$/.exec(request.url ?? '');
    if (redirect) {
      response.writeHead(302, { location: decodeURIComponent(redirect[1]!) }).end();
      return;
    }
    switch (request.url) {
      case '/federationmetadata.xml':
        response.writeHead(200, { 'content-type': 'application/xml' }).end(metadataXml);
        return;
      case '/moved':
        response.writeHead(302, { location: '/federationmetadata.xml' }).end();
        return;
      case '/missing':
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      case '/login-page':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
        return;
      case '/declared-huge':
        response.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        response.write('<EntityDescriptor');
        held.push(response);
        return;
      case '/endless': {
        // No Content-Length: the client has to count. Bounded, and stops when the client hangs up.
        response.writeHead(200, { 'content-type': 'application/xml' });
        const chunk = `<!-- ${'x'.repeat(16 * 1024)} -->`;
        const timer = setInterval(() => {
          if (response.destroyed || streamedChunks >= 1_000) {
            clearInterval(timer);
            response.end();
            return;
          }
          streamedChunks += 1;
          response.write(chunk);
        }, 1);
        response.on('close', () => clearInterval(timer));
        return;
      }
      case '/silent':
        held.push(response);
        return;
      case '/trickle':
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.write(metadataXml.slice(0, 100));
        held.push(response);
        return;
      default:
        response.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  inner = createServer((request, response) => {
    innerSeen.push(request.url ?? '');
    const redirect = /^\/redirect\?to=(.+)$/.exec(request.url ?? '');
    if (redirect) response.writeHead(302, { location: decodeURIComponent(redirect[1]!) }).end();
    else response.writeHead(200, { 'content-type': 'application/xml' }).end(metadataXml);
  });
  await new Promise<void>((resolve) => inner.listen(0, '127.0.0.2', resolve));
  innerBase = `http://127.0.0.2:${(inner.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of held) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => inner.close(resolve));
});

describe('fetchIdpMetadata over real HTTP', () => {
  it('fetches and parses the metadata', async () => {
    seen.length = 0;
    const { xml, metadata } = await fetchIdpMetadata(`${base}/federationmetadata.xml`, LOCAL);
    expect(xml).toBe(metadataXml);
    expect(metadata.entityId).toBe(entityId);
    expect(seen).toEqual(['/federationmetadata.xml']);
  });

  it('follows a redirect', async () => {
    seen.length = 0;
    const { metadata } = await fetchIdpMetadata(`${base}/moved`, LOCAL);
    expect(metadata.entityId).toBe(entityId);
    expect(seen).toEqual(['/moved', '/federationmetadata.xml']);
  });

  it('follows at most 5 redirects', async () => {
    let url = `${base}/federationmetadata.xml`;
    for (let hop = 0; hop < 6; hop++) url = `${base}/redirect?to=${encodeURIComponent(url)}`;
    await expect(fetchIdpMetadata(url, LOCAL)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: expect.stringContaining('redirected more than 5 times'),
    });
  });

  it('refuses plain http unless allowed: whoever changes the document in transit picks the certificate', async () => {
    await expect(fetchIdpMetadata(`${base}/federationmetadata.xml`)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: 'the metadata URL must use https, not http:',
    });
    await expect(fetchIdpMetadata('file:///etc/passwd', LOCAL)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
    });
    const toHttp = `${base}/redirect?to=${encodeURIComponent('http://idp.example/metadata')}`;
    await expect(
      fetchIdpMetadata(toHttp, { allowPrivateAddresses: true, allowHttp: false }),
    ).rejects.toMatchObject({ message: 'the metadata URL must use https, not http:' });
  });

  it('gives up after the timeout when the server does not answer', async () => {
    const started = Date.now();
    await expect(fetchIdpMetadata(`${base}/silent`, { ...LOCAL, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `${base}/silent did not answer within 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up after the timeout when the body never finishes', async () => {
    await expect(fetchIdpMetadata(`${base}/trickle`, { ...LOCAL, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
    });
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    await expect(fetchIdpMetadata(`${base}/declared-huge`, LOCAL)).rejects.toMatchObject({
      code: 'METADATA_TOO_LARGE',
    });
  });

  it('stops reading a body without Content-Length once it passes the limit', async () => {
    await expect(
      fetchIdpMetadata(`${base}/endless`, { ...LOCAL, maxBytes: 64 * 1024, timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'METADATA_TOO_LARGE' });
    expect(streamedChunks).toBeLessThan(1_000);
  });

  it('reports an HTTP error status, a refused connection, and a page that is not metadata', async () => {
    await expect(fetchIdpMetadata(`${base}/missing`, LOCAL)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `${base}/missing answered HTTP 404`,
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchIdpMetadata(`http://127.0.0.1:${port}/x`, LOCAL)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `http://127.0.0.1:${port}/x could not be fetched: ECONNREFUSED`,
    });
    await expect(fetchIdpMetadata(`${base}/login-page`, LOCAL)).rejects.toMatchObject({
      code: 'METADATA_INVALID',
    });
  });
});

describe('only public addresses, unless the operator allows others (SSRF)', () => {
  const notPublic = expect.stringContaining('that is not a public address');

  it('refuses a loopback URL by default, without connecting to it', async () => {
    seen.length = 0;
    await expect(
      fetchIdpMetadata(`${base}/federationmetadata.xml`, { allowHttp: true }),
    ).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `the metadata URL has a host (127.0.0.1) that is not a public address: metadata is only fetched from public addresses unless the server runs with --metadata-allow-private (SAML_METADATA_ALLOW_PRIVATE=1)`,
    });
    expect(seen).toEqual([]);
  });

  it('refuses a host name that resolves to loopback, when the connection resolves it', async () => {
    seen.length = 0;
    const port = new URL(base).port;
    const refused = await fetchIdpMetadata(`http://localhost:${port}/federationmetadata.xml`, {
      allowHttp: true,
    }).catch((error: SamlError) => error);
    expect(refused).toMatchObject({ code: 'METADATA_FETCH_FAILED', message: notPublic });
    // What it resolved to is not told.
    expect((refused as SamlError).message).toContain('(localhost)');
    expect((refused as SamlError).message).not.toMatch(/127\.0\.0\.1|::1/);
    expect(seen).toEqual([]);
  });

  it('refuses private, link-local, unique-local, CGNAT, unspecified and IPv4-mapped addresses', async () => {
    for (const host of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '127.1',
      '[::1]',
      '[::]',
      '[fd00::1]',
      '[fe80::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:10.0.0.1]',
      '[64:ff9b::a00:1]',
      '[2002:a00:1::]',
    ])
      await expect(
        fetchIdpMetadata(`https://${host}/federationmetadata.xml`, { timeoutMs: 2_000 }),
        host,
      ).rejects.toMatchObject({ code: 'METADATA_FETCH_FAILED', message: notPublic });
  });

  it('refuses a redirect to a private address, and to a name that resolves to one', async () => {
    // 127.0.0.1 is allowed for this test; the redirect leads to 127.0.0.2, which is not.
    const only = { allowHttp: true, allowAddresses: ['127.0.0.1'] };
    expect((await fetchIdpMetadata(`${base}/federationmetadata.xml`, only)).metadata.entityId).toBe(entityId);
    innerSeen.length = 0;
    const toInner = `${innerBase}/federationmetadata.xml`;
    await expect(
      fetchIdpMetadata(`${base}/redirect?to=${encodeURIComponent(toInner)}`, only),
    ).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: expect.stringContaining(
        `the metadata URL redirected to ${toInner}, which has a host (127.0.0.2)`,
      ),
    });
    expect(innerSeen).toEqual([]);

    // Now 127.0.0.2 is allowed, and it redirects to a name that resolves to loopback (127.0.0.1).
    seen.length = 0;
    const toName = `http://localhost:${new URL(base).port}/federationmetadata.xml`;
    await expect(
      fetchIdpMetadata(`${innerBase}/redirect?to=${encodeURIComponent(toName)}`, {
        allowHttp: true,
        allowAddresses: ['127.0.0.2'],
      }),
    ).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: expect.stringContaining(
        `the metadata URL redirected to ${toName}, which has a host (localhost)`,
      ),
    });
    expect(seen).toEqual([]);
  });

  it('reaches a private address when the operator allows it', async () => {
    innerSeen.length = 0;
    const { metadata } = await fetchIdpMetadata(`${innerBase}/federationmetadata.xml`, LOCAL);
    expect(metadata.entityId).toBe(entityId);
    const redirected = await fetchIdpMetadata(
      `${base}/redirect?to=${encodeURIComponent(`${innerBase}/federationmetadata.xml`)}`,
      LOCAL,
    );
    expect(redirected.metadata.entityId).toBe(entityId);
    expect(innerSeen).toEqual(['/federationmetadata.xml', '/federationmetadata.xml']);
  });
});
