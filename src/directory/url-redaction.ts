/**
 * URLs as logs keep them: the value of every query parameter that can carry a credential is
 * replaced, so a token someone put in a query string (an `access_token`, an OIDC `id_token_hint`,
 * an authorization `code`, a SAML message sent by the redirect binding) never reaches a log.
 */

export const REDACTED_VALUE = '[redacted]';

/**
 * Parameter names whose value is a secret or a credential. `state` too: it binds an OAuth answer to
 * the browser that asked, and nobody reading a log needs it.
 */
const SECRET_PARAMETER =
  /token|secret|passw(or)?d|pwd|api[-_]?key|assertion|credential|signature|^(code|state|sig|samlrequest|samlresponse|session|otp)$/i;

export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETER.test(name);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A query string (without its `?`) with the values of secret parameters replaced; the rest as sent. */
export function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      return at >= 0 && isSecretParameter(decoded(name)) ? `${name}=${REDACTED_VALUE}` : pair;
    })
    .join('&');
}

/** A path and query with the secret parameters' values replaced. */
export function redactUrlQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : `${url.slice(0, at + 1)}${redactQuery(url.slice(at + 1))}`;
}
