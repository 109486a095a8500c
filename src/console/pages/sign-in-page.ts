import { html } from '../../html/html.js';
import { type PageContext, page } from '../layout.js';

export interface SignInForm {
  readonly email?: string;
  /** The organisation typed for SSO. */
  readonly tenant?: string;
  readonly next?: string;
  readonly error?: string | null;
  readonly notice?: string | null;
}

export function signInPage(context: PageContext, form: SignInForm) {
  return page(
    context,
    { title: 'Sign in', error: form.error ?? null, notice: form.notice ?? null },
    html`<div class="narrow">
<h1>Sign in to the rollcall console</h1>
<section class="card" aria-labelledby="operator-heading">
  <h2 id="operator-heading">Operator sign-in</h2>
  <form method="post" action="/console/sign-in" class="stack">
    <input type="hidden" name="next" value="${form.next ?? ''}">
    <div class="field">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${form.email ?? ''}">
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
    </div>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="hint">Operators (the vendor's staff) are created with <code>rollcall console user create &lt;email&gt;</code>;
  <code>rollcall console link --email &lt;email&gt;</code> prints a one-time sign-in link.</p>
</section>
<section class="card" aria-labelledby="sso-heading">
  <h2 id="sso-heading">Sign in with your company's SSO</h2>
  <form method="get" action="/console/sso/start" class="stack">
    <div class="field">
      <label for="tenant">Organisation</label>
      <input id="tenant" name="tenant" required autocomplete="organization" value="${form.tenant ?? ''}" aria-describedby="tenant-hint">
      <p class="hint" id="tenant-hint">Your organisation's name in rollcall, e.g. <code>acme</code>. For administrators whose role opens the console.</p>
    </div>
    <button type="submit">Continue with SSO</button>
  </form>
</section>
</div>`,
  );
}

export function linkPage(context: PageContext, secret: string) {
  return page(
    context,
    { title: 'Sign in with a one-time link' },
    html`<div class="narrow">
<h1>Sign in with a one-time link</h1>
<section class="card">
  <p>This link signs you in once. It stops working when it is used or when it expires.</p>
  <form method="post" action="/console/link" class="stack">
    <input type="hidden" name="secret" value="${secret}">
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>
</div>`,
  );
}
