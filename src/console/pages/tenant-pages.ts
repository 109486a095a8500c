import type { TenantOverview } from '../../directory/console-views.js';
import type { TenantRecord } from '../../store/ports.js';
import { html } from '../html.js';
import {
  atLeastCount,
  count,
  csrfField,
  directoryPath,
  type PageContext,
  page,
  tenantPath,
  time,
} from '../layout.js';

export interface TenantsPageData {
  readonly tenants: readonly TenantRecord[];
  readonly q: string;
  readonly nextAfter?: string;
  readonly form?: { readonly slug?: string; readonly name?: string };
  readonly error?: string | null;
}

export function tenantsPage(context: PageContext, data: TenantsPageData) {
  const next = data.nextAfter
    ? html`<nav class="pager" aria-label="Pages"><a rel="next" href="/console/tenants?${new URLSearchParams({
        ...(data.q && { q: data.q }),
        after: data.nextAfter,
      }).toString()}">Next page →</a></nav>`
    : null;
  return page(
    context,
    { title: 'Tenants', section: 'tenants', error: data.error ?? null },
    html`<h1>Tenants</h1>
<form method="get" action="/console/tenants" role="search" class="toolbar">
  <div class="field inline">
    <label for="q">Search by slug</label>
    <input id="q" name="q" type="search" value="${data.q}" placeholder="acme" autocomplete="off">
  </div>
  <button type="submit">Search</button>
</form>
${
  data.tenants.length === 0
    ? html`<p class="empty">${data.q ? `No tenant's slug starts with "${data.q}".` : 'No tenants yet. Create the first one below.'}</p>`
    : html`<div class="table-wrap"><table>
  <caption class="visually-hidden">Tenants</caption>
  <thead><tr><th scope="col">Tenant</th><th scope="col">Slug</th><th scope="col">Created</th></tr></thead>
  <tbody>
  ${data.tenants.map(
    (t) =>
      html`<tr><td><a href="${tenantPath(t.slug)}">${t.name}</a></td><td><code>${t.slug}</code></td><td>${time(t.created)}</td></tr>`,
  )}
  </tbody>
</table></div>`
}
${next}
<section class="card" aria-labelledby="create-tenant">
  <h2 id="create-tenant">Create a tenant</h2>
  <form method="post" action="/console/tenants" class="stack">
    ${csrfField(context)}
    <div class="field">
      <label for="slug">Slug</label>
      <input id="slug" name="slug" required pattern="[a-z0-9]([a-z0-9\\-]{0,61}[a-z0-9])?" aria-describedby="slug-hint" value="${data.form?.slug ?? ''}">
      <p class="hint" id="slug-hint">Lower-case letters, digits and dashes, e.g. <code>acme</code>. It is part of the tenant's SSO URLs and cannot change.</p>
    </div>
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" value="${data.form?.name ?? ''}" placeholder="Acme Corp">
    </div>
    <button type="submit" class="primary">Create tenant</button>
  </form>
</section>`,
  );
}

export function overviewPage(
  context: PageContext,
  data: TenantOverview,
  extra: { notice?: string | null; error?: string | null; form?: { name?: string } } = {},
) {
  const { tenant } = data;
  return page(
    context,
    {
      title: tenant.name,
      tenant: { slug: tenant.slug, name: tenant.name },
      section: 'overview',
      notice: extra.notice ?? null,
      error: extra.error ?? null,
    },
    html`<h1>${tenant.name} <span class="muted small">(${tenant.slug})</span></h1>
<section class="card" aria-labelledby="sso-status-heading">
  <h2 id="sso-status-heading">Single sign-on</h2>
  <p>${
    data.sso.configured
      ? html`SAML 2.0 ${data.sso.enabled ? html`<span class="badge on">On</span>` : html`<span class="badge off">Off</span>`}
    with <code class="wrap">${data.sso.idpEntityId ?? ''}</code>${
      data.sso.lastTest
        ? html`; last Test Connection <span class="badge ${data.sso.lastTest.status === 'succeeded' ? 'on' : data.sso.lastTest.status === 'failed' ? 'error' : 'plain'}">${data.sso.lastTest.status}</span>`
        : html`; <span class="muted">never tested</span>`
    }`
      : html`<span class="badge plain">Not set up</span>`
  } <a href="${tenantPath(tenant.slug)}/sso">SSO settings →</a></p>
</section>
<section aria-labelledby="directories-heading">
  <h2 id="directories-heading">SCIM directories</h2>
  ${
    data.directories.length === 0
      ? html`<p class="empty">No directory yet: create one below, then give its SCIM URL and a token to the tenant's Entra admin.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">SCIM directories</caption>
    <thead><tr><th scope="col">Directory</th><th scope="col">Provisioning</th><th scope="col" class="num">Users</th><th scope="col" class="num">Active</th><th scope="col" class="num">Active tokens</th></tr></thead>
    <tbody>
    ${data.directories.map(
      (d) => html`<tr>
      <td><a href="${directoryPath(tenant.slug, d.directory.id)}">${d.directory.name}</a></td>
      <td>${d.directory.scimEnabled ? html`<span class="badge on">On</span>` : html`<span class="badge off">Off</span>`}${d.directory.deprovisionPausedAt ? html` <span class="badge warn">Deprovisioning paused</span>` : null}</td>
      <td class="num"><a href="${directoryPath(tenant.slug, d.directory.id)}/users">${atLeastCount(d.users)}</a></td>
      <td class="num">${atLeastCount(d.activeUsers)}</td>
      <td class="num">${count(d.activeTokens)}</td>
    </tr>`,
    )}
    </tbody>
  </table></div>`
  }
</section>
<section aria-labelledby="errors-heading">
  <h2 id="errors-heading">Recent provisioning errors</h2>
  ${
    data.recentErrors.length === 0
      ? html`<p class="empty">No failed SCIM requests.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Recent provisioning errors</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Directory</th><th scope="col">Request</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead>
    <tbody>
    ${data.recentErrors.map(
      (e) => html`<tr>
      <td><a href="${directoryPath(tenant.slug, e.directoryId)}/logs/${e.seq ?? ''}">${time(e.at)}</a></td>
      <td>${e.directoryName}</td>
      <td><code>${e.method} ${e.operation}</code> ${e.resourceName ?? ''}</td>
      <td><span class="badge error">${e.status}</span></td>
      <td>${e.detail ?? ''}</td>
    </tr>`,
    )}
    </tbody>
  </table></div>`
  }
</section>
<section class="card" aria-labelledby="create-directory">
  <h2 id="create-directory">Create a SCIM directory</h2>
  <p class="hint">One SCIM endpoint with its own users, groups, tokens and roles. A tenant may have several (e.g. <em>advisors</em> and <em>rooms</em>).</p>
  <form method="post" action="${tenantPath(tenant.slug)}/directories" class="stack">
    ${csrfField(context)}
    <div class="field">
      <label for="directory-name">Name</label>
      <input id="directory-name" name="name" required maxlength="200" value="${extra.form?.name ?? ''}" placeholder="employees">
    </div>
    <div class="field">
      <label for="directory-roles">App roles <span class="muted">(optional)</span></label>
      <textarea id="directory-roles" name="roles" rows="3" aria-describedby="directory-roles-hint" placeholder="admin: Admin&#10;AppAdmin&#10;member: Member"></textarea>
      <p class="hint" id="directory-roles-hint">One per line: the value, then optionally a colon and the display name Entra may send instead.</p>
    </div>
    <button type="submit" class="primary">Create directory</button>
  </form>
</section>`,
  );
}
