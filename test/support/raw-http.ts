import { request } from 'node:http';

/** A GET with a Host header of the test's choosing: fetch always sends the URL's own. */
export function getWithHost(
  base: string,
  path: string,
  host: string,
): Promise<{ status: number; text: string }> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: target.hostname, port: target.port, path, setHost: false, headers: { host } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
