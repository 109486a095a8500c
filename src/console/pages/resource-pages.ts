import type { UserDetail, UserFilters, UserRow } from '../../directory/console-views.js';
import type { DirectorySettings } from '../../directory/directory-settings.js';
import type { CappedCount } from '../../store/kysely/user-page-repository.js';
import type { AccountSource, LogEntry, MemberView, StoredGroup, StoredUser } from '../../store/ports.js';
import { flag, html } from '../html.js';
import { atLeastCount, count, directoryPath, nextLink, type PageContext, page, time } from '../layout.js';

interface Place {
  readonly tenant: { readonly slug: string; readonly name: string };
  readonly directory: { readonly id: string; readonly name: string };
}

const SOURCES: Record<AccountSource, string> = { scim: 'Provisioned', jit: 'JIT', admin: 'Admin-created' };

/** The label the seeds' admins look for: SCIM accounts are "Provisioned" (seed 003). */
export function sourceBadge(source: AccountSource) {
  return html`<span class="badge ${source === 'scim' ? 'provisioned' : 'plain'}">${SOURCES[source]}</span>`;
}

function statusBadge(user: StoredUser) {
  return user.active
    ? html`<span class="badge on">Active</span>`
    : html`<span class="badge off">Inactive</span>`;
}

function displayName(user: StoredUser): string | null {
  const name = user.data.displayName;
  return typeof name === 'string' && name !== user.userName ? name : null;
}

function option(value: string, label: string, selected: boolean) {
  return html`<option value="${value}"${flag('selected', selected)}>${label}</option>`;
}

export function usersPage(
  context: PageContext,
  place: Place,
  data: {
    settings: DirectorySettings;
    filters: UserFilters;
    total: CappedCount;
    rows: readonly UserRow[];
    nextCursor?: string;
  },
) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  const f = data.filters;
  const filtered = Boolean(f.q || f.role || f.status || f.source);
  return page(
    context,
    { title: `${place.directory.name}: users`, ...place, section: 'users' },
    html`<h1>Users <span class="muted small">${place.directory.name}</span></h1>
<form method="get" action="${base}/users" role="search" class="toolbar filters">
  <div class="field inline"><label for="q">Search</label><input id="q" name="q" type="search" value="${f.q ?? ''}" placeholder="start of name or email"></div>
  <div class="field inline"><label for="role">Role</label>${
    data.settings.roles.length > 0
      ? html`<select id="role" name="role">${option('', 'Any', !f.role)}${data.settings.roles.map((r) => option(r.value, r.display, f.role === r.value))}</select>`
      : html`<input id="role" name="role" value="${f.role ?? ''}" size="10">`
  }</div>
  <div class="field inline"><label for="status">Status</label><select id="status" name="status">${option('', 'Any', !f.status)}${option('active', 'Active', f.status === 'active')}${option('inactive', 'Inactive', f.status === 'inactive')}</select></div>
  <div class="field inline"><label for="source">Source</label><select id="source" name="source">${option('', 'Any', !f.source)}${option('scim', 'SCIM (Provisioned)', f.source === 'scim')}${option('jit', 'JIT (SSO)', f.source === 'jit')}${option('admin', 'Admin-created', f.source === 'admin')}</select></div>
  <button type="submit">Filter</button>
  ${filtered ? html`<a href="${base}/users">Clear</a>` : null}
</form>
<p class="summary" role="status">${atLeastCount(data.total)} ${data.total.count === 1 && !data.total.atLeast ? 'user' : 'users'}${filtered ? ' match' : ''}</p>
${
  data.rows.length === 0
    ? html`<p class="empty">${filtered ? 'No user matches these filters.' : 'No users yet: they appear when Entra provisions them.'}</p>`
    : html`<div class="table-wrap"><table>
  <caption class="visually-hidden">Users</caption>
  <thead><tr><th scope="col">User</th><th scope="col">Status</th><th scope="col">Roles</th><th scope="col">Groups</th><th scope="col">Source</th><th scope="col">Last sign-in</th></tr></thead>
  <tbody>
  ${data.rows.map(
    ({ user, roles, groups, lastSignIn }) => html`<tr>
    <td><a href="${base}/users/${user.id}">${user.userName}</a>${displayName(user) ? html`<br><span class="muted">${displayName(user)}</span>` : null}</td>
    <td>${statusBadge(user)}</td>
    <td>${roles.length ? roles.map((r) => html`<span class="badge role">${r}</span> `) : html`<span class="muted">none</span>`}</td>
    <td>${groups.slice(0, 3).map((g, i) => html`${i ? ', ' : ''}${g.display}`)}${groups.length > 3 ? html` <span class="muted">+${groups.length - 3}</span>` : null}</td>
    <td>${sourceBadge(user.source)}</td>
    <td>${time(lastSignIn, 'never')}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`
}
${data.nextCursor ? nextLink(`${base}/users`, { q: f.q, role: f.role, status: f.status, source: f.source, cursor: data.nextCursor }) : null}`,
  );
}

export function historyTable(base: string, entries: readonly LogEntry[], caption: string) {
  return html`<div class="table-wrap"><table>
  <caption class="visually-hidden">${caption}</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Request</th><th scope="col">Status</th><th scope="col">What happened</th></tr></thead>
  <tbody>
  ${entries.map(
    (e) => html`<tr>
    <td><a href="${base}/logs/${e.seq ?? ''}">${time(e.at)}</a></td>
    <td><code>${e.method} ${e.operation}</code></td>
    <td><span class="badge ${e.status >= 400 ? 'error' : 'on'}">${e.status}</span></td>
    <td>${e.status >= 400 ? html`${e.scimType ? html`<code>${e.scimType}</code> ` : null}${e.detail ?? ''}` : (e.note ?? '')}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}

export function userPage(context: PageContext, place: Place, data: UserDetail) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  const { user, roles } = data;
  const groups = Array.isArray(data.resource.groups)
    ? (data.resource.groups as { value: string; display?: string }[])
    : [];
  return page(
    context,
    { title: user.userName, ...place, section: 'users' },
    html`<h1>${displayName(user) ?? user.userName} ${sourceBadge(user.source)} ${statusBadge(user)}</h1>
<dl class="facts">
  <dt>userName</dt><dd>${user.userName}</dd>
  <dt>externalId</dt><dd>${user.externalId ?? html`<span class="muted">none</span>`}</dd>
  <dt>Roles</dt><dd>${roles.effective.length ? roles.effective.map((r) => html`<span class="badge role">${r}</span> `) : html`<span class="muted">none</span>`}
    ${roles.fromGroups.length ? html`<span class="muted">(from groups: ${roles.fromGroups.join(', ')})</span>` : null}</dd>
  <dt>Groups</dt><dd>${groups.length ? groups.map((g, i) => html`${i ? ', ' : ''}<a href="${base}/groups/${g.value}">${g.display ?? g.value}</a>`) : html`<span class="muted">none</span>`}</dd>
  <dt>Created</dt><dd>${time(user.created)}</dd>
  <dt>Last changed</dt><dd>${time(user.lastModified)}</dd>
  <dt>Last sign-in</dt><dd>${time(data.lastSignIn, 'never')}</dd>
</dl>
<section aria-labelledby="history-heading">
  <h2 id="history-heading">History</h2>
  ${data.history.length === 0 ? html`<p class="empty">No SCIM request about this user is in the log.</p>` : historyTable(base, data.history, 'Provisioning history of this user')}
  ${data.moreHistory ? html`<p><a href="${base}/logs?user=${user.id}">Older entries in the provisioning logs →</a></p>` : null}
</section>
<section aria-labelledby="scim-heading">
  <h2 id="scim-heading">SCIM representation</h2>
  <pre class="code" tabindex="0" aria-label="The user as the SCIM endpoint returns it">${JSON.stringify(data.resource, null, 2)}</pre>
</section>`,
  );
}

export function groupsPage(
  context: PageContext,
  place: Place,
  data: {
    q: string;
    total: CappedCount;
    groups: readonly (StoredGroup & { members: number })[];
    nextCursor?: string;
  },
) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  return page(
    context,
    { title: `${place.directory.name}: groups`, ...place, section: 'groups' },
    html`<h1>Groups <span class="muted small">${place.directory.name}</span></h1>
<form method="get" action="${base}/groups" role="search" class="toolbar">
  <div class="field inline"><label for="q">Search</label><input id="q" name="q" type="search" value="${data.q}" placeholder="start of group name"></div>
  <button type="submit">Search</button>
</form>
<p class="summary" role="status">${atLeastCount(data.total)} ${data.total.count === 1 && !data.total.atLeast ? 'group' : 'groups'}</p>
${
  data.groups.length === 0
    ? html`<p class="empty">No groups.</p>`
    : html`<div class="table-wrap"><table>
  <caption class="visually-hidden">Groups</caption>
  <thead><tr><th scope="col">Group</th><th scope="col" class="num">Members</th><th scope="col">externalId</th><th scope="col">Last changed</th></tr></thead>
  <tbody>
  ${data.groups.map(
    (g) =>
      html`<tr><td><a href="${base}/groups/${g.id}">${g.displayName}</a></td><td class="num">${count(g.members)}</td><td>${g.externalId ?? ''}</td><td>${time(g.lastModified)}</td></tr>`,
  )}
  </tbody>
</table></div>`
}
${data.nextCursor ? nextLink(`${base}/groups`, { q: data.q, cursor: data.nextCursor }) : null}`,
  );
}

export function groupPage(
  context: PageContext,
  place: Place,
  data: {
    group: StoredGroup;
    memberCount: number;
    members: readonly MemberView[];
    nextAfter?: string;
    first: boolean;
  },
) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  return page(
    context,
    { title: data.group.displayName, ...place, section: 'groups' },
    html`<h1>${data.group.displayName}</h1>
<dl class="facts">
  <dt>Members</dt><dd>${count(data.memberCount)}</dd>
  <dt>externalId</dt><dd>${data.group.externalId ?? html`<span class="muted">none</span>`}</dd>
  <dt>Created</dt><dd>${time(data.group.created)}</dd>
  <dt>Last changed</dt><dd>${time(data.group.lastModified)}</dd>
</dl>
<section aria-labelledby="members-heading">
  <h2 id="members-heading">Members${data.first ? '' : ' (continued)'}</h2>
  ${
    data.members.length === 0
      ? html`<p class="empty">No members${data.first ? '' : ' after these'}.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Members, a page at a time</caption>
    <thead><tr><th scope="col">Member</th><th scope="col">Type</th></tr></thead>
    <tbody>
    ${data.members.map(
      (m) =>
        html`<tr><td><a href="${base}/${m.type === 'User' ? 'users' : 'groups'}/${m.value}">${m.display ?? m.value}</a></td><td>${m.type}</td></tr>`,
    )}
    </tbody>
  </table></div>`
  }
  ${data.nextAfter ? nextLink(`${base}/groups/${data.group.id}`, { after: data.nextAfter }, 'More members') : null}
</section>`,
  );
}
