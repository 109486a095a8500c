/**
 * RelayState carries where the person wanted to go across the round trip to the IdP. It comes back
 * from the browser, and in IdP-initiated sign-in the IdP (or whoever crafted the POST) chooses it, so
 * it is only ever a path on our own origin: anything else would make the ACS an open redirect.
 */

/**
 * Longest RelayState accepted. SAML Bindings §3.4.3 caps it at 80 bytes for HTTP-Redirect, but IdPs,
 * Entra included, accept more, and deep links are longer; past this a deep link is dropped, not cut.
 */
export const MAX_RELAY_STATE_LENGTH = 512;

/** Stands in for our origin while resolving; never appears in a result. */
const BASE = 'https://relay-state.invalid';

/**
 * The same-origin path (with query and fragment) `value` names, or undefined when it names anything
 * else; the caller then goes to its default page. With `origin`, an absolute URL on exactly that
 * origin is accepted and reduced to its path (Entra's "Relay State" field is often filled that way).
 */
export function safeRelayState(value: unknown, options: { origin?: string } = {}): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_RELAY_STATE_LENGTH) return undefined;
  // Browsers drop tabs and newlines and read `\` as `/`, turning `/\evil.example` into `//evil.example`.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  let path: string;
  if (value.startsWith('/')) {
    if (value.startsWith('//')) return undefined;
    path = value;
  } else if (options.origin && sameOrigin(value, options.origin)) {
    const url = new URL(value);
    path = `${url.pathname}${url.search}${url.hash}`;
  } else {
    return undefined;
  }
  let resolved: URL;
  try {
    resolved = new URL(path, BASE);
  } catch {
    return undefined;
  }
  if (resolved.origin !== BASE) return undefined;
  const result = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can normalise `/.//evil.example` into `//evil.example`, a protocol-relative URL.
  return result.startsWith('//') ? undefined : result;
}

function sameOrigin(value: string, origin: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === new URL(origin).origin;
  } catch {
    return false;
  }
}
