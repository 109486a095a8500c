import type { DirectoryDetail } from '../../directory/console-views.js';
import { flag, html } from '../../html/html.js';
import type { TokenRecord } from '../../store/ports.js';
import { roleLines } from '../forms.js';
import { copyField, csrfField, directoryPath, type PageContext, page, time } from '../layout.js';

export interface DirectoryPageExtras {
  readonly scimUrl: string;
  readonly notice?: string | null;
  readonly error?: string | null;
  /** Which form the error belongs to, so the page can point at it. */
  readonly errorIn?: 'roles' | 'group-roles' | 'lifecycle' | 'tokens';
  /** What the person typed, shown again with the error. */
  readonly typed?: Record<string, string>;
}

function tokenStatus(token: TokenRecord, at: string) {
  if (token.revoked) return html`<span class="badge off">Revoked ${time(token.revoked)}</span>`;
  if (token.expires && token.expires <= at) return html`<span class="badge off">Expired</span>`;
  return html`<span class="badge on">Active</span>`;
}

function tokensSection(context: PageContext, data: DirectoryDetail, base: string) {
  const at = new Date().toISOString();
  return html`<section class="card" aria-labelledby="tokens-heading">
  <h2 id="tokens-heading">Secret tokens</h2>
  <p class="hint">The <strong>Secret Token</strong> Entra sends as <code>Authorization: Bearer …</code>. A new token is shown once;
  to rotate, generate a new one, paste it into Entra, then revoke the old one.</p>
  ${
    data.tokens.length === 0
      ? html`<p class="empty">No token yet: generate one to connect Entra.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Tokens of this directory</caption>
    <thead><tr><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>
    ${data.tokens.map(
      (token) => html`<tr>
      <td><code>${token.prefix}…</code></td>
      <td>${time(token.created)}</td>
      <td>${time(token.lastUsed, 'never')}</td>
      <td>${time(token.expires, 'never')}</td>
      <td>${tokenStatus(token, at)}</td>
      <td>${
        token.revoked
          ? null
          : html`<form method="post" action="${base}/tokens/${token.id}/revoke" data-confirm="Revoke token ${token.prefix}…? Entra's requests with it will be refused at once.">
        ${csrfField(context)}<button type="submit" class="danger small" aria-label="Revoke token ${token.prefix}">Revoke</button>
      </form>`
      }</td>
    </tr>`,
    )}
    </tbody>
  </table></div>`
  }
  <form method="post" action="${base}/tokens" class="row-form">
    ${csrfField(context)}
    <div class="field inline">
      <label for="token-expires">Expires <span class="muted">(optional)</span></label>
      <input id="token-expires" name="expires" type="date">
    </div>
    <button type="submit" class="primary">Generate token</button>
  </form>
</section>`;
}

function rolesSection(
  context: PageContext,
  data: DirectoryDetail,
  base: string,
  typed: Record<string, string>,
) {
  const s = data.settings;
  const roles = typed.roles ?? roleLines(s.roles);
  const consoleRoles = new Set(s.consoleRoles.map((r) => r.toLowerCase()));
  return html`<section class="card" aria-labelledby="roles-heading">
  <h2 id="roles-heading">Role settings</h2>
  <form method="post" action="${base}/roles" class="stack">
    ${csrfField(context)}
    <div class="field">
      <label for="roles">Allowed roles</label>
      <textarea id="roles" name="roles" rows="4" aria-describedby="roles-hint">${roles}</textarea>
      <p class="hint" id="roles-hint">One per line: the value your app understands, then optionally a colon and the display name
      (Entra's <code>SingleAppRoleAssignment</code> may send either). Empty: roles are kept as sent.</p>
    </div>
    <div class="field">
      <label for="default-role">Default role</label>
      <input id="default-role" name="defaultRole" value="${typed.defaultRole ?? s.defaultRole ?? ''}" aria-describedby="default-role-hint">
      <p class="hint" id="default-role-hint">Given to users provisioned with no role (e.g. <code>GUEST</code>). Empty: none.</p>
    </div>
    <fieldset>
      <legend>A role that is not allowed</legend>
      <label class="choice"><input type="radio" name="unknownRolePolicy" value="reject"${flag('checked', s.unknownRolePolicy === 'reject')}> Refuse the request (400, naming the allowed roles)</label>
      <label class="choice"><input type="radio" name="unknownRolePolicy" value="default"${flag('checked', s.unknownRolePolicy === 'default')}> Give the default role instead</label>
    </fieldset>
    <fieldset>
      <legend>Roles per user</legend>
      <label class="choice"><input type="radio" name="multiRole" value="off"${flag('checked', !s.multiRole)}> One role (<code>SingleAppRoleAssignment</code>)</label>
      <label class="choice"><input type="radio" name="multiRole" value="on"${flag('checked', s.multiRole)}> Several roles (<code>AppRoleAssignmentsComplex</code>)</label>
    </fieldset>
    <fieldset aria-describedby="console-roles-hint">
      <legend>Console roles</legend>
      <p class="hint" id="console-roles-hint">Users with one of these roles may sign in to this console for ${data.tenant.name}, through its SSO.</p>
      ${
        s.roles.length === 0
          ? html`<div class="field"><label for="console-roles">Roles, separated by commas</label>
        <input id="console-roles" name="consoleRoles" value="${typed.consoleRoles ?? s.consoleRoles.join(', ')}"></div>`
          : s.roles.map(
              (role, i) =>
                html`<label class="choice"><input type="checkbox" id="console-role-${i}" name="consoleRoles" value="${role.value}"${flag('checked', consoleRoles.has(role.value.toLowerCase()))}> ${role.display}${role.display === role.value ? null : html` <code>${role.value}</code>`}</label>`,
            )
      }
    </fieldset>
    <button type="submit" class="primary">Save role settings</button>
  </form>
</section>`;
}

function groupRolesSection(
  context: PageContext,
  data: DirectoryDetail,
  base: string,
  typed: Record<string, string>,
) {
  const lines =
    typed.rules ??
    data.groupRoles.map((rule) => `${rule.groupName ?? rule.groupId} = ${rule.role}`).join('\n');
  return html`<section class="card" aria-labelledby="group-roles-heading">
  <h2 id="group-roles-heading">Group → role rules</h2>
  <p class="hint">For IdPs that send groups but no roles: members of a group get a role. Earlier rules win in a one-role directory.</p>
  <form method="post" action="${base}/group-roles" class="stack">
    ${csrfField(context)}
    <div class="field">
      <label for="group-rules">Rules</label>
      <textarea id="group-rules" name="rules" rows="3" aria-describedby="group-rules-hint" placeholder="Natoma Admins = admin">${lines}</textarea>
      <p class="hint" id="group-rules-hint">One per line: the group's display name (or id), <code>=</code>, the role.</p>
    </div>
    <button type="submit" class="primary">Save rules</button>
  </form>
</section>`;
}

function lifecycleSection(context: PageContext, data: DirectoryDetail, base: string) {
  const s = data.settings;
  const guard = s.deprovisionGuard;
  return html`<section class="card" aria-labelledby="lifecycle-heading">
  <h2 id="lifecycle-heading">Lifecycle policy</h2>
  ${
    data.directory.deprovisionPausedAt
      ? html`<div class="alert warn" role="status"><p>Deprovisioning is paused since ${time(data.directory.deprovisionPausedAt)}:
    more users were deactivated or deleted at once than the guard allows.</p>
    <form method="post" action="${base}/release" data-confirm="Let the held deactivations and deletions go through?">
      ${csrfField(context)}<button type="submit" class="danger">Release deprovisioning</button>
    </form></div>`
      : null
  }
  <form method="post" action="${base}/lifecycle" class="stack">
    ${csrfField(context)}
    <fieldset>
      <legend>When Entra deletes a user</legend>
      <label class="choice"><input type="radio" name="deletePolicy" value="hard"${flag('checked', s.deletePolicy === 'hard')}> Delete it for good</label>
      <label class="choice"><input type="radio" name="deletePolicy" value="soft"${flag('checked', s.deletePolicy === 'soft')}> Keep it restorable for</label>
      <div class="field inline indent">
        <label for="soft-delete-days">Days restorable</label>
        <input id="soft-delete-days" name="softDeleteDays" type="number" min="1" max="3650" value="${s.softDeleteDays}">
      </div>
    </fieldset>
    <label class="choice"><input type="checkbox" name="accountMatching"${flag('checked', s.accountMatching)}> Account matching: link a SCIM user to an existing account with the same email</label>
    <fieldset>
      <legend>Mass-deprovisioning guard</legend>
      <label class="choice"><input type="checkbox" name="guardEnabled"${flag('checked', guard.enabled)}> Pause deprovisioning when too many users go at once</label>
      <div class="grid-3">
        <div class="field"><label for="guard-share">Share of users, %</label><input id="guard-share" name="guardPercent" type="number" min="1" max="100" value="${Math.round(guard.maxShare * 100)}"></div>
        <div class="field"><label for="guard-window">Within minutes</label><input id="guard-window" name="guardWindow" type="number" min="1" max="100000" value="${guard.windowMinutes}"></div>
        <div class="field"><label for="guard-min">From at least</label><input id="guard-min" name="guardMin" type="number" min="1" max="10000000" value="${guard.minCount}"></div>
      </div>
    </fieldset>
    <button type="submit" class="primary">Save lifecycle policy</button>
  </form>
</section>`;
}

export function directoryPage(context: PageContext, data: DirectoryDetail, extras: DirectoryPageExtras) {
  const { tenant, directory } = data;
  const base = directoryPath(tenant.slug, directory.id);
  const typed = extras.typed ?? {};
  return page(
    context,
    {
      title: `${directory.name}: SCIM settings`,
      tenant: { slug: tenant.slug, name: tenant.name },
      directory: { id: directory.id, name: directory.name },
      section: 'settings',
      notice: extras.notice ?? null,
      error: extras.error ?? null,
    },
    html`<h1>${directory.name} <span class="muted small">SCIM settings</span></h1>
<section class="card" aria-labelledby="connection-heading">
  <h2 id="connection-heading">SCIM connection</h2>
  <form method="post" action="${base}/provisioning" class="switch-form">
    ${csrfField(context)}
    <input type="hidden" name="enabled" value="${directory.scimEnabled ? 'off' : 'on'}">
    <button type="submit" class="switch" role="switch" aria-checked="${directory.scimEnabled ? 'true' : 'false'}" aria-describedby="provisioning-hint">
      <span class="switch-track" aria-hidden="true"></span><span>SCIM provisioning</span>
    </button>
    <p class="hint" id="provisioning-hint">${
      directory.scimEnabled
        ? 'On: Entra may create, update and deactivate users.'
        : 'Off: every SCIM request is refused with 403 and shows in the provisioning logs.'
    }</p>
  </form>
  ${copyField('scim-url', 'SCIM URL (Tenant URL in Entra)', extras.scimUrl, 'Paste it into Entra: Provisioning → Admin Credentials → Tenant URL.')}
</section>
${tokensSection(context, data, base)}
${rolesSection(context, data, base, typed)}
${groupRolesSection(context, data, base, typed)}
${lifecycleSection(context, data, base)}`,
  );
}

/** The answer to "Generate token": the secret, this once. */
export function tokenPage(
  context: PageContext,
  data: { tenant: { slug: string; name: string }; directory: { id: string; name: string }; scimUrl: string },
  token: { secret: string; prefix: string; expires: string | null },
) {
  const base = directoryPath(data.tenant.slug, data.directory.id);
  return page(
    context,
    {
      title: 'New SCIM token',
      tenant: data.tenant,
      directory: data.directory,
      section: 'settings',
    },
    html`<h1>New SCIM token</h1>
<div class="alert warn" role="alert"><p><strong>Copy this token now.</strong> You will not be able to view it again:
rollcall keeps only a hash of it. If it is lost, generate a new one.</p></div>
<section class="card">
  ${copyField('token', 'Secret Token', token.secret, token.expires ? `Expires ${token.expires.slice(0, 10)}.` : 'It does not expire; revoke it when it is replaced.')}
  ${copyField('token-scim-url', 'SCIM URL (Tenant URL)', data.scimUrl)}
  <p>In Entra: Provisioning → Admin Credentials, paste both, then <strong>Test Connection</strong> and <strong>Save</strong>.</p>
  <p><a class="button" href="${base}">Done: back to ${data.directory.name}</a></p>
</section>`,
  );
}
