import { html } from '../../html/html.js';
import type { ConsoleError } from '../console-errors.js';
import { type PageContext, page } from '../layout.js';

const TITLES: Partial<Record<ConsoleError['code'], string>> = {
  NOT_FOUND: 'Not found',
  FORBIDDEN: 'Not allowed',
  CSRF_REFUSED: 'Nothing was changed',
  CROSS_SITE_REFUSED: 'Nothing was changed',
  SIGN_IN_REQUIRED: 'Sign in first',
  SIGN_IN_REFUSED: 'Sign-in refused',
  INTERNAL_ERROR: 'Something went wrong',
};

export function errorPage(context: PageContext, error: ConsoleError) {
  const title = TITLES[error.code] ?? 'That did not work';
  return page(
    context,
    { title },
    html`<h1>${title}</h1>
<p>${error.message}</p>
<p class="muted">Error code: <code>${error.code}</code> (HTTP ${error.status})</p>
<p><a href="/console">Back to the console</a></p>`,
  );
}
