import { flag, html } from '../../html/html.js';
import type { LogEntry } from '../../store/ports.js';
import { directoryPath, nextLink, type PageContext, page, time } from '../layout.js';

interface Place {
  readonly tenant: { readonly slug: string; readonly name: string };
  readonly directory: { readonly id: string; readonly name: string };
}

/** The log page's filters as the form and the links carry them. */
export interface LogQuery {
  readonly errors?: string;
  readonly operation?: string;
  readonly user?: string;
  /** `datetime-local` values, read as UTC. */
  readonly since?: string;
  readonly until?: string;
}

export const OPERATIONS = [
  'create',
  'replace',
  'update',
  'delete',
  'get',
  'list',
  'search',
  'request',
] as const;

function exportHref(base: string, query: LogQuery, format: 'csv' | 'jsonl'): string {
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  return `${base}/logs/export?${params.toString()}`;
}

export function logsPage(
  context: PageContext,
  place: Place,
  data: { query: LogQuery; entries: readonly LogEntry[]; nextCursor?: string },
) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  const q = data.query;
  return page(
    context,
    { title: `${place.directory.name}: provisioning logs`, ...place, section: 'logs' },
    html`<h1>Provisioning logs <span class="muted small">${place.directory.name}</span></h1>
<form method="get" action="${base}/logs" role="search" class="toolbar filters">
  <label class="choice"><input type="checkbox" name="errors" value="1"${flag('checked', q.errors === '1')}> Errors only</label>
  <div class="field inline"><label for="operation">Operation</label><select id="operation" name="operation">
    <option value="">Any</option>
    ${OPERATIONS.map((op) => html`<option value="${op}"${flag('selected', q.operation === op)}>${op}</option>`)}
  </select></div>
  <div class="field inline"><label for="user">User</label><input id="user" name="user" value="${q.user ?? ''}" placeholder="userName or id" size="18"></div>
  <div class="field inline"><label for="since">From (UTC)</label><input id="since" name="since" type="datetime-local" value="${q.since ?? ''}"></div>
  <div class="field inline"><label for="until">Until (UTC)</label><input id="until" name="until" type="datetime-local" value="${q.until ?? ''}"></div>
  <button type="submit">Filter</button>
</form>
<p class="exports">Export these entries: <a href="${exportHref(base, q, 'csv')}" download>CSV</a> · <a href="${exportHref(base, q, 'jsonl')}" download>JSON lines</a></p>
${
  data.entries.length === 0
    ? html`<p class="empty">No entries${q.errors || q.operation || q.user || q.since || q.until ? ' match these filters' : ' yet'}.</p>`
    : html`<div class="table-wrap"><table>
  <caption class="visually-hidden">Provisioning log entries, newest first</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Request</th><th scope="col">Resource</th><th scope="col">Status</th><th scope="col">Result</th></tr></thead>
  <tbody>
  ${data.entries.map(
    (e) => html`<tr>
    <td><a href="${base}/logs/${e.seq ?? ''}">${time(e.at)}</a></td>
    <td><code>${e.method}</code> ${e.operation}</td>
    <td>${e.resourceType ?? ''} ${e.resourceName ?? e.resourceId ?? ''}</td>
    <td><span class="badge ${e.status >= 400 ? 'error' : 'on'}">${e.status}</span></td>
    <td>${e.status >= 400 ? html`${e.scimType ? html`<code>${e.scimType}</code> ` : null}${e.detail ?? ''}` : (e.note ?? '')}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`
}
${data.nextCursor ? nextLink(`${base}/logs`, { ...q, cursor: data.nextCursor }, 'Older entries') : null}`,
  );
}

function pretty(body: string | null | undefined): string {
  if (!body) return '';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** A query string as people read it: `filter=userName eq "ada@acme.test"`. */
function readable(query: string): string {
  try {
    return decodeURIComponent(query.replaceAll('+', ' '));
  } catch {
    return query;
  }
}

export function logEntryPage(context: PageContext, place: Place, entry: LogEntry) {
  const base = directoryPath(place.tenant.slug, place.directory.id);
  const target = `${entry.path}${entry.query ? `?${readable(entry.query)}` : ''}`;
  return page(
    context,
    { title: `Log entry ${entry.seq ?? ''}`, ...place, section: 'logs' },
    html`<h1>${entry.method} ${entry.operation} <span class="badge ${entry.status >= 400 ? 'error' : 'on'}">${entry.status}</span></h1>
<dl class="facts">
  <dt>When</dt><dd>${time(entry.at)}</dd>
  <dt>Request</dt><dd><code class="wrap">${entry.method} ${target}</code></dd>
  <dt>Resource</dt><dd>${entry.resourceType ?? html`<span class="muted">none</span>`} ${entry.resourceName ?? ''} ${entry.resourceId && entry.resourceType === 'User' ? html`(<a href="${base}/users/${entry.resourceId}">user page</a>)` : entry.resourceId ? html`<code>${entry.resourceId}</code>` : null}</dd>
  ${entry.status >= 400 ? html`<dt>Error</dt><dd>${entry.scimType ? html`<code>${entry.scimType}</code> ` : null}${entry.detail ?? ''}</dd>` : null}
  ${entry.note ? html`<dt>Note</dt><dd>${entry.note}</dd>` : null}
  <dt>Duration</dt><dd>${entry.durationMs.toFixed(1)} ms</dd>
  <dt>Client</dt><dd>${entry.client ?? html`<span class="muted">not sent</span>`}</dd>
  <dt>Authorization</dt><dd><span class="muted">never logged</span></dd>
</dl>
<section aria-labelledby="request-heading">
  <h2 id="request-heading">Request body</h2>
  ${entry.requestBody ? html`<pre class="code" tabindex="0" aria-labelledby="request-heading">${pretty(entry.requestBody)}</pre>` : html`<p class="empty">No body.</p>`}
  <p class="hint">Passwords are replaced by <code>[redacted]</code> before anything is stored; long bodies are cut.</p>
</section>
<section aria-labelledby="response-heading">
  <h2 id="response-heading">Response body</h2>
  ${entry.responseBody ? html`<pre class="code" tabindex="0" aria-labelledby="response-heading">${pretty(entry.responseBody)}</pre>` : html`<p class="empty">${entry.method === 'GET' && entry.status < 400 ? 'Not kept for reads: the resource pages show what it is now.' : 'No body.'}</p>`}
</section>
<p><a href="${base}/logs">← All provisioning logs</a></p>`,
  );
}
