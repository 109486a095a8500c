import http from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
}

/** A response that was not what the workload expected; counted as an error, never as throughput. */
export class UnexpectedResponse extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    text: string,
    why = '',
  ) {
    super(`${method} ${path.slice(0, 120)} → ${status}${why ? ` (${why})` : ''}: ${text.slice(0, 200)}`);
  }
}

/**
 * A keep-alive HTTP/1.1 client over node:http with at most `concurrency` sockets, so every
 * in-flight request of a phase has a connection of its own, as a load generator should.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    concurrency: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /** Sends a request; the body is sent as application/scim+json, like Entra does. */
  request(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${this.token}` };
    if (payload) {
      headers['content-type'] = 'application/scim+json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.host, port: this.port, method, path: this.basePath + path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out after 60 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Sends a request and throws UnexpectedResponse unless the status is `status`. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const response = await this.request(method, path, body);
    if (response.status !== status)
      throw new UnexpectedResponse(method, path, response.status, response.text, `expected ${status}`);
    return response;
  }

  /** Like expect, and parses the JSON body. */
  async expectJson<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.expect(status, method, path, body);
    try {
      return JSON.parse(response.text) as T;
    } catch {
      throw new UnexpectedResponse(method, path, response.status, response.text, 'body is not JSON');
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
