/**
 * The origin a request's scheme and Host header make, when rollcall has no public URL configured; or
 * undefined when the Host names no host (`%`, `a b`, `x:99999`, `a/b`, `a@b`): every URL built on it
 * (SP values, the OpenID Provider's issuer) would be invalid or point elsewhere.
 */
export function originOfRequest(protocol: string, host: string): string | undefined {
  const origin = `${protocol}://${host}`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  const onlyHost =
    url.host !== '' && url.pathname === '/' && !url.username && !url.password && !url.search && !url.hash;
  return onlyHost && !origin.endsWith('?') && !origin.endsWith('#') ? origin : undefined;
}
