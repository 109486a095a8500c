import { SamlError } from './errors.js';
import { type IdpMetadata, MAX_METADATA_BYTES, parseIdpMetadata } from './idp-metadata.js';

export interface FetchIdpMetadataOptions {
  /** The fetch to use; global fetch by default. Injected where a proxy or a stricter agent is wanted. */
  fetch?: typeof globalThis.fetch;
  /** For the whole exchange, body included. */
  timeoutMs?: number;
  maxBytes?: number;
  /**
   * Plain http is refused by default: whoever can change the metadata in transit chooses the
   * certificate every sign-in is verified with. Tests against a local server turn this on.
   */
  allowHttp?: boolean;
}

export const METADATA_FETCH_TIMEOUT_MS = 10_000;

/**
 * Fetches and parses IdP metadata from its URL (Entra's "App Federation Metadata Url"). Also what a
 * scheduled refresh calls, so that a certificate the IdP rolled over is picked up.
 */
export async function fetchIdpMetadata(
  url: string,
  options: FetchIdpMetadataOptions = {},
): Promise<{ xml: string; metadata: IdpMetadata }> {
  const maxBytes = options.maxBytes ?? MAX_METADATA_BYTES;
  const timeoutMs = options.timeoutMs ?? METADATA_FETCH_TIMEOUT_MS;
  checkScheme(url, options.allowHttp, 'the metadata URL');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, {
      signal: controller.signal,
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml;q=0.9, */*;q=0.1' },
      redirect: 'follow',
    });
    // A redirect may not take the document off https.
    if (response.url)
      checkScheme(response.url, options.allowHttp, 'the metadata URL redirected to a URL that');
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new SamlError('METADATA_FETCH_FAILED', `${url} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new SamlError('METADATA_TOO_LARGE', `${url} sends ${declared} bytes; the limit is ${maxBytes}`);
    }
    const xml = await readLimited(response, maxBytes, url);
    return { xml, metadata: parseIdpMetadata(xml, { maxBytes }) };
  } catch (error) {
    if (error instanceof SamlError) throw error;
    if (controller.signal.aborted) {
      throw new SamlError('METADATA_FETCH_FAILED', `${url} did not answer within ${timeoutMs} ms`, {
        cause: error,
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SamlError('METADATA_FETCH_FAILED', `${url} could not be fetched: ${detail}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the body up to `maxBytes`, stopping as soon as it passes (a missing or lying Content-Length). */
async function readLimited(response: Response, maxBytes: number, url: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new SamlError('METADATA_TOO_LARGE', `${url} sends more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function checkScheme(value: string, allowHttp: boolean | undefined, what: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SamlError('METADATA_FETCH_FAILED', `${what} is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol === 'https:' || (allowHttp && url.protocol === 'http:')) return;
  throw new SamlError('METADATA_FETCH_FAILED', `${what} must use https, not ${url.protocol}`);
}
