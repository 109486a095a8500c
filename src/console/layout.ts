import type { ConsoleIdentity } from '../directory/console-sessions.js';
import type { CappedCount } from '../store/kysely/user-page-repository.js';
import { type Fragment, type Html, html } from './html.js';

/** What every page knows about the request it answers. */
export interface PageContext {
  readonly identity: ConsoleIdentity | null;
  /** The session's CSRF token, for the forms of the page. */
  readonly csrf: string | null;
  /** Paths of the stylesheet and script, with their content hash. */
  readonly assets: { readonly css: string; readonly js: string };
}

/** Where in the console a page is, for the navigation and the breadcrumbs. */
export interface PagePlace {
  readonly tenant?: { readonly slug: string; readonly name: string };
  readonly directory?: { readonly id: string; readonly name: string };
  /** Which navigation entry is the current page. */
  readonly section?: 'tenants' | 'overview' | 'sso' | 'settings' | 'users' | 'groups' | 'logs' | 'audit';
}

export interface PageOptions extends PagePlace {
  readonly title: string;
  /** A success message, announced politely. */
  readonly notice?: string | null;
  /** An error message at the top of the page, announced at once. */
  readonly error?: string | null;
}

export function tenantPath(slug: string): string {
  return `/console/t/${encodeURIComponent(slug)}`;
}

export function directoryPath(slug: string, directoryId: string): string {
  return `${tenantPath(slug)}/directories/${encodeURIComponent(directoryId)}`;
}

/** A hidden field with the session's CSRF token: every form that changes something has one. */
export function csrfField(context: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${context.csrf ?? ''}">`;
}

function navLink(href: string, label: string, current: boolean): Html {
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

function navigation(context: PageContext, place: PagePlace): Html | null {
  const identity = context.identity;
  if (!identity) return null;
  const operator = identity.kind === 'operator';
  const tenant = place.tenant;
  const directory = place.directory;
  return html`<nav class="side" aria-label="Console">
    <ul>
      ${operator ? navLink('/console/tenants', 'Tenants', place.section === 'tenants') : null}
      ${operator ? navLink('/console/audit', 'Audit log (all tenants)', place.section === 'audit' && !tenant) : null}
    </ul>
    ${
      tenant
        ? html`<p class="nav-heading">${tenant.name}</p>
    <ul>
      ${navLink(tenantPath(tenant.slug), 'Overview', place.section === 'overview')}
      ${navLink(`${tenantPath(tenant.slug)}/sso`, 'SSO (SAML)', place.section === 'sso')}
      ${navLink(`${tenantPath(tenant.slug)}/audit`, 'Audit log', place.section === 'audit')}
    </ul>`
        : null
    }
    ${
      tenant && directory
        ? html`<p class="nav-heading">Directory ${directory.name}</p>
    <ul>
      ${navLink(directoryPath(tenant.slug, directory.id), 'SCIM settings', place.section === 'settings')}
      ${navLink(`${directoryPath(tenant.slug, directory.id)}/users`, 'Users', place.section === 'users')}
      ${navLink(`${directoryPath(tenant.slug, directory.id)}/groups`, 'Groups', place.section === 'groups')}
      ${navLink(`${directoryPath(tenant.slug, directory.id)}/logs`, 'Provisioning logs', place.section === 'logs')}
    </ul>`
        : null
    }
  </nav>`;
}

function banner(context: PageContext): Html {
  const identity = context.identity;
  return html`<header class="top">
    <a class="brand" href="/console">rollcall <span>console</span></a>
    ${
      identity
        ? html`<div class="who">
      <span>${identity.email}</span>
      <span class="badge">${identity.kind === 'operator' ? 'Operator' : `Admin of ${identity.tenantSlug}`}</span>
      <form method="post" action="/console/sign-out">${csrfField(context)}<button type="submit" class="link">Sign out</button></form>
    </div>`
        : null
    }
  </header>`;
}

/** A whole page: landmarks, skip link, navigation, messages and the content. */
export function page(context: PageContext, options: PageOptions, content: Fragment): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · rollcall console</title>
<link rel="stylesheet" href="${context.assets.css}">
<script type="module" src="${context.assets.js}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${banner(context)}
<div class="shell">
${navigation(context, options)}
<main id="main" tabindex="-1">
${options.error ? html`<div class="alert error" role="alert"><p>${options.error}</p></div>` : null}
${options.notice ? html`<div class="alert notice" role="status"><p>${options.notice}</p></div>` : null}
${content}
</main>
</div>
<div id="announcer" class="visually-hidden" aria-live="polite"></div>
</body>
</html>`;
}

/** A read-only value with a copy button (the button appears when the script runs). */
export function copyField(id: string, label: string, value: string, hint?: string): Html {
  return html`<div class="field copyable">
    <label for="${id}">${label}</label>
    <div class="copy-row">
      <input id="${id}" type="text" readonly value="${value}" spellcheck="false"${hint ? html` aria-describedby="${id}-hint"` : ''}>
      <button type="button" class="copy" data-copy="${id}">Copy</button>
    </div>
    ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : null}
  </div>`;
}

/** An ISO time as the page shows it: UTC to the minute, the exact value in a tooltip. */
export function time(iso: string | null | undefined, empty = '—'): Html {
  if (!iso) return html`<span class="muted">${empty}</span>`;
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A count that stopped at its cap: "10,000+". */
export function atLeastCount(total: CappedCount): string {
  return `${count(total.count)}${total.atLeast ? '+' : ''}`;
}

/** A link to the next page, keeping the page's filters. */
export function nextLink(path: string, query: Record<string, string | undefined>, label = 'Next page'): Html {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  return html`<nav class="pager" aria-label="Pages"><a href="${path}?${params.toString()}" rel="next">${label} →</a></nav>`;
}
