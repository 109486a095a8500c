import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIdpMetadata } from './fetch-idp-metadata.js';
import { TestIdp } from './testing/test-idp.js';

/** A real HTTP server on 127.0.0.1 standing in for Entra's metadata endpoint, one path per behaviour. */
let server: Server;
let base: string;
let metadataXml: string;
let entityId: string;
let streamedChunks = 0;
const held: ServerResponse[] = [];

beforeAll(async () => {
  const idp = await TestIdp.create();
  metadataXml = idp.metadata();
  entityId = idp.entityId;
  server = createServer((request, response) => {
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
});

afterAll(async () => {
  for (const response of held) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('fetchIdpMetadata over real HTTP', () => {
  it('fetches and parses the metadata, through the injected fetch', async () => {
    const seen: string[] = [];
    const { xml, metadata } = await fetchIdpMetadata(`${base}/federationmetadata.xml`, {
      allowHttp: true,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    expect(xml).toBe(metadataXml);
    expect(metadata.entityId).toBe(entityId);
    expect(seen).toEqual([`${base}/federationmetadata.xml`]);
  });

  it('follows a redirect', async () => {
    const { metadata } = await fetchIdpMetadata(`${base}/moved`, { allowHttp: true });
    expect(metadata.entityId).toBe(entityId);
  });

  it('refuses plain http unless allowed: whoever changes the document in transit picks the certificate', async () => {
    await expect(fetchIdpMetadata(`${base}/federationmetadata.xml`)).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: 'the metadata URL must use https, not http:',
    });
    await expect(fetchIdpMetadata('file:///etc/passwd', { allowHttp: true })).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
    });
  });

  it('gives up after the timeout when the server does not answer', async () => {
    const started = Date.now();
    await expect(
      fetchIdpMetadata(`${base}/silent`, { allowHttp: true, timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `${base}/silent did not answer within 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up after the timeout when the body never finishes', async () => {
    await expect(
      fetchIdpMetadata(`${base}/trickle`, { allowHttp: true, timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
    });
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    await expect(fetchIdpMetadata(`${base}/declared-huge`, { allowHttp: true })).rejects.toMatchObject({
      code: 'METADATA_TOO_LARGE',
    });
  });

  it('stops reading a body without Content-Length once it passes the limit', async () => {
    await expect(
      fetchIdpMetadata(`${base}/endless`, { allowHttp: true, maxBytes: 64 * 1024, timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'METADATA_TOO_LARGE' });
    expect(streamedChunks).toBeLessThan(1_000);
  });

  it('reports an HTTP error status, a refused connection, and a page that is not metadata', async () => {
    await expect(fetchIdpMetadata(`${base}/missing`, { allowHttp: true })).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: `${base}/missing answered HTTP 404`,
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchIdpMetadata(`http://127.0.0.1:${port}/x`, { allowHttp: true })).rejects.toMatchObject({
      code: 'METADATA_FETCH_FAILED',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    await expect(fetchIdpMetadata(`${base}/login-page`, { allowHttp: true })).rejects.toMatchObject({
      code: 'METADATA_INVALID',
    });
  });
});
