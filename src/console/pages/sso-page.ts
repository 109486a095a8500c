import type { SsoDetail } from '../../directory/console-views.js';
import type { SamlTestView } from '../../directory/saml-tests.js';
import { flag, html } from '../../html/html.js';
import { copyField, csrfField, type PageContext, page, tenantPath, time } from '../layout.js';

export interface SsoPageExtras {
  readonly notice?: string | null;
  readonly error?: string | null;
  /** What the person typed, shown again with an error. */
  readonly typed?: Record<string, string>;
}

function toggle(name: string, label: string, on: boolean, hint?: string) {
  return html`<label class="choice"><input type="checkbox" name="${name}"${flag('checked', on)}${hint ? html` aria-describedby="${name}-hint"` : ''}> ${label}</label>
  ${hint ? html`<p class="hint indent" id="${name}-hint">${hint}</p>` : null}`;
}

function testResult(test: SamlTestView | null) {
  if (!test) return html`<p class="empty">No Test Connection yet.</p>`;
  const when = html`<p class="muted">Started ${time(test.created)}${test.completed ? html`, answered ${time(test.completed)}` : null}.</p>`;
  if (test.status === 'pending')
    return html`${when}<p>Waiting for the identity provider: <a href="${test.url}">open the test sign-in</a>.</p>`;
  if (test.error || !test.result)
    return html`<div class="alert error" role="status"><p><strong>Test Connection failed</strong>:
      <code>${test.error?.code ?? 'UNKNOWN'}</code> ${test.error?.reason ?? ''}</p></div>${when}`;
  const result = test.result;
  const outcome =
    result.signIn === 'existing'
      ? `signs in as ${result.user?.userName ?? 'the matched user'}`
      : result.signIn === 'jit'
        ? 'no user has this email yet: Just-In-Time provisioning would create one'
        : `would be refused: ${result.refusal?.reason ?? ''}`;
  const attributes = Object.entries(result.attributes);
  return html`<div class="alert notice" role="status"><p><strong>Test Connection succeeded</strong>: the identity provider's response was accepted; this person ${outcome}.</p></div>
  ${when}
  <h3>What the identity provider sent</h3>
  <dl class="facts">
    <dt>Issuer</dt><dd><code>${result.issuer}</code></dd>
    <dt>NameID</dt><dd><code>${result.nameId}</code>${result.nameIdFormat ? html` <span class="muted">${result.nameIdFormat}</span>` : null}</dd>
    <dt>Email</dt><dd>${result.email} <span class="muted">from ${result.emailSource}</span></dd>
    <dt>Name</dt><dd>${[result.name.displayName, result.name.givenName, result.name.familyName].filter(Boolean).join(' · ') || html`<span class="muted">none</span>`}</dd>
    <dt>Matched user</dt><dd>${result.user ? html`${result.user.userName} <span class="muted">(${result.user.active ? 'active' : 'inactive'}, ${result.user.source})</span>` : html`<span class="muted">none</span>`}</dd>
    <dt>Roles</dt><dd>${result.roles.length ? result.roles.map((r) => html`<span class="badge role">${r}</span> `) : html`<span class="muted">none</span>`}</dd>
  </dl>
  <div class="table-wrap"><table>
    <caption>Attributes</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Values</th></tr></thead>
    <tbody>${
      attributes.length
        ? attributes.map(
            ([name, values]) =>
              html`<tr><td><code class="wrap">${name}</code></td><td>${values.map((v, i) => html`${i ? html`<br>` : null}${v}`)}</td></tr>`,
          )
        : html`<tr><td colspan="2" class="muted">No attributes</td></tr>`
    }</tbody>
  </table></div>`;
}

export function ssoPage(context: PageContext, data: SsoDetail, extras: SsoPageExtras = {}) {
  const { tenant, connection: c } = data;
  const base = `${tenantPath(tenant.slug)}/sso`;
  const typed = extras.typed ?? {};
  const canEnable = c.enabled || data.testedSinceChange;
  const jitDirectory = typed.jitDirectory ?? c.jit.directoryId ?? '';
  return page(
    context,
    {
      title: 'Single sign-on (SAML)',
      tenant: { slug: tenant.slug, name: tenant.name },
      section: 'sso',
      notice: extras.notice ?? null,
      error: extras.error ?? null,
    },
    html`<h1>Single sign-on <span class="muted small">SAML 2.0</span></h1>
<section class="card" aria-labelledby="switch-heading">
  <h2 id="switch-heading">SAML 2.0</h2>
  <form method="post" action="${base}/enabled" class="switch-form">
    ${csrfField(context)}
    <input type="hidden" name="enabled" value="${c.enabled ? 'off' : 'on'}">
    <button type="submit" class="switch" role="switch" aria-checked="${c.enabled ? 'true' : 'false'}" aria-describedby="sso-switch-hint"${flag('disabled', !canEnable)}>
      <span class="switch-track" aria-hidden="true"></span><span>SAML 2.0</span>
    </button>
    <p class="hint" id="sso-switch-hint">${
      c.enabled
        ? `On: people of ${tenant.name} sign in through ${c.idp?.entityId ?? 'their identity provider'}.`
        : data.testedSinceChange
          ? 'Off. The last Test Connection succeeded: it can be switched on.'
          : 'Off. It can be switched on after a Test Connection succeeds with the saved settings.'
    }</p>
  </form>
</section>

<section class="card" aria-labelledby="sp-heading">
  <h2 id="sp-heading">Values for the identity provider</h2>
  <p class="hint">In Entra: Single sign-on → SAML → Basic SAML Configuration. Or upload the SP metadata.</p>
  ${copyField('sp-entity-id', 'Identifier (Entity ID)', c.sp.entityId)}
  ${copyField('sp-acs-url', 'Reply URL (Assertion Consumer Service URL)', c.sp.acsUrl)}
  ${copyField('sp-sign-on-url', 'Sign on URL', c.sp.signOnUrl)}
  ${copyField('sp-metadata-url', 'SP metadata URL', c.sp.metadataUrl)}
</section>

<form method="post" action="${base}" class="stack">
${csrfField(context)}
<section class="card" aria-labelledby="idp-heading">
  <h2 id="idp-heading">Identity provider</h2>
  ${
    c.idp
      ? html`<dl class="facts">
    <dt>Entity ID</dt><dd><code class="wrap">${c.idp.entityId}</code></dd>
    <dt>SSO URL</dt><dd><code class="wrap">${c.idp.ssoUrl}</code></dd>
    <dt>Metadata</dt><dd>${c.metadataSource === 'url' ? html`from <code class="wrap">${c.metadataUrl ?? ''}</code>, refreshed ${time(c.metadataRefreshedAt)}` : c.metadataSource === 'xml' ? 'pasted XML' : 'entered by hand'}
      ${c.metadataRefreshError ? html`<br><span class="badge warn">Last refresh failed ${time(c.metadataRefreshError.at)}</span> ${c.metadataRefreshError.reason}` : null}</dd>
    <dt>Certificates</dt><dd>${c.idp.certificates.map(
      (cert) =>
        html`<div><code class="wrap">${cert.subject}</code> <span class="muted">valid until ${time(cert.notAfter)}, SHA-256 ${cert.fingerprint.slice(0, 23)}…</span></div>`,
    )}</dd>
  </dl>`
      : html`<p class="empty">Not set up yet: give the IdP's metadata below.</p>`
  }
  <div class="field">
    <label for="metadata-url">Metadata URL ${c.idp ? html`<span class="muted">(to replace the current IdP)</span>` : null}</label>
    <input id="metadata-url" name="metadataUrl" type="url" value="${typed.metadataUrl ?? ''}" placeholder="https://login.microsoftonline.com/…/federationmetadata/2007-06/federationmetadata.xml?appid=…" aria-describedby="metadata-url-hint">
    <p class="hint" id="metadata-url-hint">Entra: SAML Certificates → App Federation Metadata Url. rollcall fetches it now and refreshes it daily.</p>
  </div>
  <div class="field">
    <label for="metadata-xml">Or the metadata XML</label>
    <textarea id="metadata-xml" name="metadataXml" rows="4" aria-describedby="metadata-xml-hint">${typed.metadataXml ?? ''}</textarea>
    <p class="hint" id="metadata-xml-hint">Entra: Federation Metadata XML, downloaded and pasted here.</p>
  </div>
  ${toggle('wantAssertionsSigned', 'Request signed Assertions from the IdP?', c.wantAssertionsSigned, 'Off (Entra’s default signs them anyway): any valid signature, on the response or the assertion, is accepted.')}
  ${toggle('wantResponseSigned', 'Request signed Authentication Response from the IdP?', c.wantResponseSigned)}
  ${toggle('allowIdpInitiated', 'Allow IdP-initiated sign-in (Entra’s My Apps)', c.allowIdpInitiated)}
</section>

<section class="card" aria-labelledby="mapping-heading">
  <h2 id="mapping-heading">Attribute mapping</h2>
  <div class="field">
    <label for="email-attribute">Email attribute</label>
    <input id="email-attribute" name="emailAttribute" value="${typed.emailAttribute ?? c.emailAttribute}" aria-describedby="email-attribute-hint">
    <p class="hint" id="email-attribute-hint">The claim people are matched by (seed 001: <code>email</code> = user.mail). Empty: <code>email</code>, then the standard claims, then the NameID.</p>
  </div>
  <div class="grid-3">
    <div class="field"><label for="given-name">Given name attribute</label><input id="given-name" name="givenName" value="${typed.givenName ?? c.nameAttributes.givenName ?? ''}"></div>
    <div class="field"><label for="family-name">Family name attribute</label><input id="family-name" name="familyName" value="${typed.familyName ?? c.nameAttributes.familyName ?? ''}"></div>
    <div class="field"><label for="display-name">Display name attribute</label><input id="display-name" name="displayName" value="${typed.displayName ?? c.nameAttributes.displayName ?? ''}"></div>
  </div>
</section>

<section class="card" aria-labelledby="jit-heading">
  <h2 id="jit-heading">Just-In-Time provisioning</h2>
  ${toggle('jitEnabled', 'Create a user at their first sign-in when none has their email', c.jit.enabled)}
  <div class="field">
    <label for="jit-directory">Directory JIT users land in</label>
    <select id="jit-directory" name="jitDirectory">
      <option value="">None</option>
      ${data.directories.map((d) => html`<option value="${d.directory.id}"${flag('selected', d.directory.id === jitDirectory)}>${d.directory.name}</option>`)}
    </select>
  </div>
  <div class="field">
    <label for="jit-role">Role of JIT users</label>
    <input id="jit-role" name="jitRole" value="${typed.jitRole ?? c.jit.defaultRole ?? ''}" aria-describedby="jit-role-hint">
    <p class="hint" id="jit-role-hint">Empty: the directory's default role.</p>
  </div>
</section>
<button type="submit" class="primary">Save</button>
</form>

<section class="card" aria-labelledby="test-heading">
  <h2 id="test-heading">Test Connection</h2>
  <p class="hint">Signs in at the identity provider and shows what it sent, without opening a session. Save first: the test uses the saved settings.</p>
  ${
    c.configured
      ? html`<form method="post" action="${base}/test">${csrfField(context)}<button type="submit">Test Connection</button></form>`
      : html`<p class="empty">Save the identity provider first.</p>`
  }
  ${testResult(data.lastTest)}
</section>

<section aria-labelledby="sign-ins-heading">
  <h2 id="sign-ins-heading">Recent sign-ins</h2>
  ${
    data.signIns.length === 0
      ? html`<p class="empty">No sign-in yet.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Recent sign-ins, newest first</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Outcome</th><th scope="col">Reason</th></tr></thead>
    <tbody>${data.signIns.map(
      (e) => html`<tr><td>${time(e.at)}</td><td>${e.email ?? e.nameId ?? ''}</td>
      <td><span class="badge ${e.outcome === 'refused' ? 'error' : 'on'}">${e.outcome.replace('_', ' ')}</span>${e.idpInitiated ? html` <span class="muted">IdP-initiated</span>` : null}</td>
      <td>${e.code ? html`<code>${e.code}</code> ` : null}${e.reason ?? ''}</td></tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`,
  );
}
