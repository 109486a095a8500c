import { Agent, fetch, type Response } from 'undici';
import { SamlError } from './errors.js';
import { type IdpMetadata, MAX_METADATA_BYTES, parseIdpMetadata } from './idp-metadata.js';
import {
  type AddressPolicy,
  isRefusedLiteral,
  lookupAllowing,
  NonPublicAddressError,
  publicAddressesAnd,
} from './public-address.js';

export interface FetchIdpMetadataOptions {
  /** For the whole exchange, redirects and body included. */
  timeoutMs?: number;
  maxBytes?: number;
  /**
   * Plain http is refused by default: whoever can change the metadata in transit chooses the
   * certificate every sign-in is verified with. Tests against a local server turn this on.
   */
  allowHttp?: boolean;
  /**
   * Lets the metadata URL, and every redirect, reach loopback, private, link-local and other
   * non-public addresses. Off by default: a tenant's admin sets the URL, and rollcall fetching
   * whatever it names would let them probe the network rollcall runs in (SSRF). The operator turns
   * it on (`--metadata-allow-private`, `SAML_METADATA_ALLOW_PRIVATE=1`) for an IdP on the internal
   * network, such as ADFS.
   */
  allowPrivateAddresses?: boolean;
  /**
   * Non-public addresses that may be reached even so: just the internal IdP's, where allowing every
   * private address would be more than needed.
   */
  allowAddresses?: readonly string[];
}

export const METADATA_FETCH_TIMEOUT_MS = 10_000;
/** Redirects followed; each one is checked like the URL itself. */
export const MAX_METADATA_REDIRECTS = 5;

const HINT =
  'metadata is only fetched from public addresses unless the server runs with --metadata-allow-private ' +
  '(SAML_METADATA_ALLOW_PRIVATE=1)';

/**
 * Fetches and parses IdP metadata from its URL (Entra's "App Federation Metadata Url"). Also what a
 * scheduled refresh calls, so that a certificate the IdP rolled over is picked up.
 *
 * Unless `allowPrivateAddresses`, only public addresses are reached: an IP address in the URL (or in
 * a redirect) is checked before connecting, and a host name when the connection resolves it (see
 * publicOnlyLookup), so the address checked is the one connected to. Redirects are followed here,
 * one at a time, so each is checked. Errors name what was refused, never an address it resolved to.
 */
export async function fetchIdpMetadata(
  url: string,
  options: FetchIdpMetadataOptions = {},
): Promise<{ xml: string; metadata: IdpMetadata }> {
  const maxBytes = options.maxBytes ?? MAX_METADATA_BYTES;
  const timeoutMs = options.timeoutMs ?? METADATA_FETCH_TIMEOUT_MS;
  const allowed = options.allowPrivateAddresses ? undefined : publicAddressesAnd(options.allowAddresses);
  checkTarget(url, options, allowed, 'the metadata URL');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const dispatcher = new Agent({
    connect: allowed ? { lookup: lookupAllowing(allowed) } : {},
  });
  let target = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(target, {
        signal: controller.signal,
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml;q=0.9, */*;q=0.1' },
        redirect: 'manual',
        dispatcher,
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel().catch(() => {});
        if (redirects >= MAX_METADATA_REDIRECTS)
          throw new SamlError(
            'METADATA_FETCH_FAILED',
            `${url} redirected more than ${MAX_METADATA_REDIRECTS} times`,
          );
        target = resolveRedirect(location, target);
        checkTarget(target, options, allowed, `the metadata URL redirected to ${target}, which`);
        continue;
      }
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
    }
  } catch (error) {
    if (error instanceof SamlError) throw error;
    if (controller.signal.aborted) {
      throw new SamlError('METADATA_FETCH_FAILED', `${url} did not answer within ${timeoutMs} ms`, {
        cause: error,
      });
    }
    const refused = causes(error).find((cause) => cause instanceof NonPublicAddressError);
    if (refused instanceof NonPublicAddressError) {
      const what = target === url ? 'the metadata URL' : `the metadata URL redirected to ${target}, which`;
      throw new SamlError(
        'METADATA_FETCH_FAILED',
        `${what} has a host (${refused.hostname}) that is not a public address: ${HINT}`,
      );
    }
    // Only a code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED): a library's message may hold an address.
    const code = causes(error)
      .map((cause) => (cause as { code?: unknown }).code)
      .find((value): value is string => typeof value === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(value));
    throw new SamlError(
      'METADATA_FETCH_FAILED',
      `${url} could not be fetched: ${code ?? 'a network error'}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
    dispatcher.destroy().catch(() => {});
  }
}

/** The error and the errors it was caused by, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let at = error;
    at !== undefined && at !== null && chain.length < 8;
    at = (at as { cause?: unknown }).cause
  )
    chain.push(at);
  return chain;
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

function resolveRedirect(location: string, from: string): string {
  try {
    return new URL(location, from).href;
  } catch {
    throw new SamlError(
      'METADATA_FETCH_FAILED',
      `the metadata URL redirected to ${JSON.stringify(location)}, which is not a URL`,
    );
  }
}

/** A URL may be fetched: https (or http when allowed), and not an IP address the policy refuses. */
function checkTarget(
  value: string,
  options: FetchIdpMetadataOptions,
  allowed: AddressPolicy | undefined,
  what: string,
): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SamlError('METADATA_FETCH_FAILED', `${what} is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:'))
    throw new SamlError('METADATA_FETCH_FAILED', `${what} must use https, not ${url.protocol}`);
  if (allowed && isRefusedLiteral(url.hostname, allowed))
    throw new SamlError(
      'METADATA_FETCH_FAILED',
      `${what} has a host (${url.hostname}) that is not a public address: ${HINT}`,
    );
}
