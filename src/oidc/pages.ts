/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A plain page for the person signing in: what happened and what to do, never internals. No outside
 * fonts or scripts, so it shows the same behind any firewall. `bodyHtml` is trusted markup.
 */
export function renderPage(title: string, message: string, bodyHtml = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}p{line-height:1.5}button{font-size:1rem;padding:.4rem 1rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
${bodyHtml}
</body>
</html>
`;
}
