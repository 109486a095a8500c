import type { FastifyReply } from 'fastify';
import type { SamlTestView } from '../../../directory/saml-tests.js';
import type { SsoSignIn } from '../../../directory/sso-sessions.js';

/**
 * The few pages a person signing in may see: plain HTML, no script, nothing from outside, every
 * value escaped. A refusal shows the fixed sentence of its code and a reference the admin finds in
 * the sign-in log with the real reason; never the reason itself.
 */

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}
th{width:12rem;font-weight:600}code,.ref{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
.muted{color:#59636e}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Sends a page with headers that keep it out of caches and frames and let nothing run in it. */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
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
    .send(html);
}

export function refusalPage(message: string, reference?: string): string {
  return page(
    'Sign-in failed',
    `<h1>Sign-in failed</h1>
<p>${escapeHtml(message)}</p>
${reference ? `<p class="muted">Reference for your administrator: <span class="ref">${escapeHtml(reference)}</span></p>` : ''}`,
  );
}

export function notFoundPage(): string {
  return page('Not found', '<h1>Not found</h1><p>There is nothing at this address.</p>');
}

export function errorPage(): string {
  return page(
    'Something went wrong',
    '<h1>Something went wrong</h1><p>The sign-in could not be completed. Please try again in a moment.</p>',
  );
}

export function signedInPage(signIn: SsoSignIn): string {
  const who = signIn.name ? `${signIn.name} (${signIn.email})` : signIn.email;
  return page(
    'Signed in',
    `<h1>Signed in</h1>
<p>You are signed in as <strong>${escapeHtml(who)}</strong>.</p>
<table>
<tr><th>Organisation</th><td>${escapeHtml(signIn.tenantSlug)}</td></tr>
<tr><th>Roles</th><td>${signIn.roles.length ? signIn.roles.map((role) => `<code>${escapeHtml(role)}</code>`).join(', ') : '<span class="muted">none</span>'}</td></tr>
<tr><th>Session ends</th><td>${escapeHtml(signIn.expiresAt)}</td></tr>
</table>
<form method="post" action="/sso/${encodeURIComponent(signIn.tenantSlug)}/logout"><p><button type="submit">Sign out</button></p></form>`,
  );
}

export function notSignedInPage(loginPath: string): string {
  return page(
    'Not signed in',
    `<h1>Not signed in</h1><p>You are not signed in. <a href="${escapeHtml(loginPath)}">Sign in with your organisation's single sign-on</a>.</p>`,
  );
}

export function signedOutPage(): string {
  return page('Signed out', '<h1>Signed out</h1><p>You are signed out.</p>');
}

function row(label: string, value: string | null | undefined): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${value === null || value === undefined || value === '' ? '<span class="muted">none</span>' : value}</td></tr>`;
}

/**
 * The Test Connection outcome, for the admin who started it: what the IdP sent and what a real
 * sign-in would do, or why the response was refused (this page may show reasons: the test's
 * request was started by an admin, and no session is created).
 */
export function testPage(test: SamlTestView): string {
  if (test.error)
    return page(
      'Test Connection failed',
      `<h1>Test Connection failed</h1>
<p>The identity provider's response was refused.</p>
<table>
${row('Code', `<code>${escapeHtml(test.error.code)}</code>`)}
${row('Reason', escapeHtml(test.error.reason))}
${row('Test', `<code>${escapeHtml(test.id)}</code>`)}
</table>`,
    );
  const result = test.result!;
  const attributes = Object.entries(result.attributes)
    .map(
      ([name, values]) =>
        `<tr><th><code>${escapeHtml(name)}</code></th><td>${values.map(escapeHtml).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const outcome =
    result.signIn === 'existing'
      ? 'Signs in as the user below. No session was created by this test.'
      : result.signIn === 'jit'
        ? 'No user has this email yet: Just-In-Time provisioning would create one. Nothing was created by this test.'
        : `Would be refused: ${result.refusal?.reason ?? ''}`;
  return page(
    'Test Connection succeeded',
    `<h1>Test Connection succeeded</h1>
<p>The identity provider's response was accepted. ${escapeHtml(outcome)}</p>
<table>
${row('NameID', `<code>${escapeHtml(result.nameId)}</code>${result.nameIdFormat ? ` <span class="muted">${escapeHtml(result.nameIdFormat)}</span>` : ''}`)}
${row('Email', `${escapeHtml(result.email)} <span class="muted">from ${escapeHtml(result.emailSource)}</span>`)}
${row('Issuer', `<code>${escapeHtml(result.issuer)}</code>`)}
${row('Matched user', result.user ? `${escapeHtml(result.user.userName)} <span class="muted">(${escapeHtml(result.user.id)}, ${result.user.active ? 'active' : 'inactive'}, ${escapeHtml(result.user.source)})</span>` : null)}
${row('Roles', result.roles.map((role) => `<code>${escapeHtml(role)}</code>`).join(', '))}
${result.refusal ? row('Refusal', `<code>${escapeHtml(result.refusal.code)}</code>`) : ''}
</table>
<h2>Attributes</h2>
<table>
${attributes || row('(none)', null)}
</table>`,
  );
}
