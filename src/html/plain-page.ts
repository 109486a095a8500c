import { type Fragment, type Html, html, trusted } from './html.js';

/** The stylesheet of every plain page: inline (the pages load nothing), small, readable on a phone. */
const STYLE =
  trusted(`body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}
th{width:12rem;font-weight:600}code,.ref{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
.muted{color:#59636e}button{font-size:1rem;padding:.4rem 1rem}`);

/**
 * A plain page for a person signing in (SAML SSO, the OpenID Provider): no script, nothing loaded
 * from outside (it shows the same behind any firewall), not indexed; the title escaped like every
 * value in `body`.
 */
export function plainPage(title: string, body: Fragment): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
${STYLE}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
