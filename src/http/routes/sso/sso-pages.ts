import type { FastifyReply } from 'fastify';
import type { SamlTestView } from '../../../directory/saml-tests.js';
import type { SsoSignIn } from '../../../directory/sso-sessions.js';
import { type Fragment, type Html, html } from '../../../html/html.js';
import { plainPage } from '../../../html/plain-page.js';

/**
 * The few pages a person signing in may see: plain pages (html/plain-page.ts), every value escaped
 * by the html template. A refusal shows the fixed sentence of its code and a reference the admin
 * finds in the sign-in log with the real reason; never the reason itself.
 */

/** Sends a page with headers that keep it out of caches and frames and let nothing run in it. */
export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .send(page.text);
}

export function refusalPage(message: string, reference?: string): Html {
  return plainPage(
    'Sign-in failed',
    html`<h1>Sign-in failed</h1>
<p>${message}</p>
${reference ? html`<p class="muted">Reference for your administrator: <span class="ref">${reference}</span></p>` : null}`,
  );
}

export function notFoundPage(): Html {
  return plainPage('Not found', html`<h1>Not found</h1><p>There is nothing at this address.</p>`);
}

export function errorPage(): Html {
  return plainPage(
    'Something went wrong',
    html`<h1>Something went wrong</h1><p>The sign-in could not be completed. Please try again in a moment.</p>`,
  );
}

const NONE = html`<span class="muted">none</span>`;

function codes(values: readonly string[]): Fragment {
  return values.length ? values.map((value, i) => html`${i > 0 ? ', ' : ''}<code>${value}</code>`) : NONE;
}

export function signedInPage(signIn: SsoSignIn): Html {
  const who = signIn.name ? `${signIn.name} (${signIn.email})` : signIn.email;
  return plainPage(
    'Signed in',
    html`<h1>Signed in</h1>
<p>You are signed in as <strong>${who}</strong>.</p>
<table>
<tr><th>Organisation</th><td>${signIn.tenantSlug}</td></tr>
<tr><th>Roles</th><td>${codes(signIn.roles)}</td></tr>
<tr><th>Session ends</th><td>${signIn.expiresAt}</td></tr>
</table>
<form method="post" action="/sso/${encodeURIComponent(signIn.tenantSlug)}/logout"><p><button type="submit">Sign out</button></p></form>`,
  );
}

export function notSignedInPage(loginPath: string): Html {
  return plainPage(
    'Not signed in',
    html`<h1>Not signed in</h1><p>You are not signed in. <a href="${loginPath}">Sign in with your organisation's single sign-on</a>.</p>`,
  );
}

export function signedOutPage(): Html {
  return plainPage('Signed out', html`<h1>Signed out</h1><p>You are signed out.</p>`);
}

function row(label: Fragment, value: Fragment): Html {
  const empty = value === null || value === undefined || value === '';
  return html`<tr><th>${label}</th><td>${empty ? NONE : value}</td></tr>`;
}

/**
 * The Test Connection outcome, for the admin who started it: what the IdP sent and what a real
 * sign-in would do, or why the response was refused (this page may show reasons: the test's
 * request was started by an admin, and no session is created).
 */
export function testPage(test: SamlTestView): Html {
  if (test.error)
    return plainPage(
      'Test Connection failed',
      html`<h1>Test Connection failed</h1>
<p>The identity provider's response was refused.</p>
<table>
${row('Code', html`<code>${test.error.code}</code>`)}
${row('Reason', test.error.reason)}
${row('Test', html`<code>${test.id}</code>`)}
</table>`,
    );
  const result = test.result!;
  const attributes = Object.entries(result.attributes).map(
    ([name, values]) =>
      html`<tr><th><code>${name}</code></th><td>${values.map((value, i) => html`${i > 0 ? html`<br>` : null}${value}`)}</td></tr>
`,
  );
  const outcome =
    result.signIn === 'existing'
      ? 'Signs in as the user below. No session was created by this test.'
      : result.signIn === 'jit'
        ? 'No user has this email yet: Just-In-Time provisioning would create one. Nothing was created by this test.'
        : `Would be refused: ${result.refusal?.reason ?? ''}`;
  return plainPage(
    'Test Connection succeeded',
    html`<h1>Test Connection succeeded</h1>
<p>The identity provider's response was accepted. ${outcome}</p>
<table>
${row('NameID', html`<code>${result.nameId}</code>${result.nameIdFormat ? html` <span class="muted">${result.nameIdFormat}</span>` : null}`)}
${row('Email', html`${result.email} <span class="muted">from ${result.emailSource}</span>`)}
${row('Issuer', html`<code>${result.issuer}</code>`)}
${row('Matched user', result.user ? html`${result.user.userName} <span class="muted">(${result.user.id}, ${result.user.active ? 'active' : 'inactive'}, ${result.user.source})</span>` : null)}
${row('Roles', result.roles.length ? codes(result.roles) : null)}
${result.refusal ? row('Refusal', html`<code>${result.refusal.code}</code>`) : null}
</table>
<h2>Attributes</h2>
<table>
${attributes.length ? attributes : row('(none)', null)}
</table>`,
  );
}
