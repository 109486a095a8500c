import { isStorableText } from '../directory/storable-text.js';
import type { TenantRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';

/** Which tenant an authorization request is for. */
export type TenantChoice =
  | { readonly kind: 'tenant'; readonly tenant: TenantRecord }
  /** The request named a tenant, or an email domain, that no tenant answers to. */
  | { readonly kind: 'unknown'; readonly named: string; readonly by: 'tenant' | 'login_hint' }
  | { readonly kind: 'none' };

/**
 * The tenant an authorization request names: the `tenant` parameter (a tenant's slug), else the
 * domain of a `login_hint` email when a tenant declared it as its own (`tenant_domains`).
 */
export async function tenantOfRequest(
  store: Store,
  params: { readonly tenant?: unknown; readonly login_hint?: unknown },
): Promise<TenantChoice> {
  if (typeof params.tenant === 'string' && params.tenant.trim() !== '') {
    const slug = params.tenant.trim().toLowerCase();
    const tenant = isStorableText(slug) ? await store.repositories.tenants.tenantBySlug(slug) : undefined;
    return tenant
      ? { kind: 'tenant', tenant }
      : { kind: 'unknown', named: params.tenant.trim(), by: 'tenant' };
  }
  if (typeof params.login_hint === 'string' && params.login_hint.includes('@')) {
    const domain = params.login_hint
      .slice(params.login_hint.lastIndexOf('@') + 1)
      .trim()
      .toLowerCase();
    const tenantId =
      domain && isStorableText(domain) ? await store.repositories.tenants.tenantOfDomain(domain) : undefined;
    const tenant = tenantId === undefined ? undefined : await store.repositories.tenants.tenantById(tenantId);
    return tenant ? { kind: 'tenant', tenant } : { kind: 'unknown', named: domain, by: 'login_hint' };
  }
  return { kind: 'none' };
}
