import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/rollcall-server.js';

/** pino's lines, as the server wrote them. */
function captureLog() {
  const lines: Array<{ level: number; msg: string; req?: unknown; res?: unknown }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("Fastify's per-request log lines", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function lookUpAt(level: string) {
    const log = captureLog();
    server = await startServer({ logger: { level, stream: log.stream } });
    const dir = await server.createDirectory('acme');
    const res = await dir.scim('GET', '/Users?filter=userName%20eq%20%22nobody%40acme.test%22');
    expect(res.status).toBe(200);
    // A refused request, so an error path runs too.
    const refused = await dir.scim('GET', '/Users', undefined, { authorization: 'Bearer nope' });
    expect(refused.status).toBe(401);
    await server.close();
    server = undefined;
    return log.lines;
  }

  it('are written at debug, with the request and the response, never the bearer token', async () => {
    const lines = await lookUpAt('debug');
    const incoming = lines.filter((l) => l.msg === 'incoming request');
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(incoming).toHaveLength(2);
    expect(completed).toHaveLength(2);
    expect(incoming[0]).toMatchObject({ level: 20, req: { method: 'GET' } });
    expect(completed.map((l) => l.res)).toEqual([{ statusCode: 200 }, { statusCode: 401 }]);
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|nope|rcs_/);
  });

  it('are not written at info (the provisioning log records the requests)', async () => {
    const lines = await lookUpAt('info');
    expect(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
    expect(lines.every((l) => l.level >= 30)).toBe(true);
  });
});
