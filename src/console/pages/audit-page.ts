import { html } from '../../html/html.js';
import type { AuditRecord } from '../../store/kysely/console-repository.js';
import { nextLink, type PageContext, page, time } from '../layout.js';

export function auditPage(
  context: PageContext,
  data: {
    tenant?: { slug: string; name: string };
    /** Tenant names by id, for the all-tenants view. */
    tenantNames?: ReadonlyMap<string, string>;
    entries: readonly (AuditRecord & { seq: number })[];
    nextCursor?: string;
    path: string;
  },
) {
  const title = data.tenant ? `Audit log: ${data.tenant.name}` : 'Audit log';
  return page(
    context,
    { title, ...(data.tenant && { tenant: data.tenant }), section: 'audit' },
    html`<h1>${title}</h1>
<p class="hint">Every change made in the console, and every sign-in and sign-out: who, what, when and to what. Newest first.</p>
${
  data.entries.length === 0
    ? html`<p class="empty">Nothing yet.</p>`
    : html`<div class="table-wrap"><table>
  <caption class="visually-hidden">${title}</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th>${data.tenant ? null : html`<th scope="col">Tenant</th>`}<th scope="col">Target</th><th scope="col">Details</th></tr></thead>
  <tbody>
  ${data.entries.map(
    (e) => html`<tr>
    <td>${time(e.at)}</td>
    <td>${e.actorEmail} <span class="muted">(${e.actorKind === 'operator' ? 'operator' : 'tenant admin'})</span></td>
    <td><code>${e.action}</code></td>
    ${data.tenant ? null : html`<td>${e.tenantId ? (data.tenantNames?.get(e.tenantId) ?? html`<span class="muted">deleted</span>`) : html`<span class="muted">—</span>`}</td>`}
    <td>${e.targetType} ${e.targetName ?? e.targetId ?? ''}</td>
    <td>${e.detail ? html`<code class="wrap">${JSON.stringify(e.detail)}</code>` : null}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`
}
${data.nextCursor ? nextLink(data.path, { cursor: data.nextCursor }, 'Older entries') : null}`,
  );
}
