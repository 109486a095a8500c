import { type Fragment, html } from '../html/html.js';
import { plainPage } from '../html/plain-page.js';

/**
 * A page for the person signing in: what happened and what to do, never internals. `more` is
 * escaped like everything else unless it is Html (the provider's logout form).
 */
export function renderPage(title: string, message: string, more: Fragment = null): string {
  return plainPage(
    title,
    html`<h1>${title}</h1>
<p>${message}</p>
${more}`,
  ).text;
}
