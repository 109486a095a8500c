/**
 * Entra keeps the query string of the Tenant URL on every request (M2: `?aadOptscim062020`).
 * Microsoft does not show where it puts the resource path; the documented form is
 * `{tenantUrl}/Users?aadOptscim062020&filter=…` (reference §1.1, inferred). If a client instead
 * glues the path after the query (`/scim/v2/{dir}?aadOptscim062020/Users?filter=…`), move it back
 * in front of the query so the request reaches its route.
 */
export function rewriteEntraUrl(url: string): string {
  const match = /^(\/scim\/v2\/[^/?]+)\?(aadOptscim062020|AzureAdScimPatch2017)(\/[^?]*)(?:\?(.*))?$/i.exec(
    url,
  );
  if (!match) return url;
  const [, base, flag, path, query] = match;
  return `${base}${path}?${flag}${query ? `&${query}` : ''}`;
}
