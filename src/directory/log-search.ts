import { seqCursor } from '../store/kysely/cursor.js';
import type { LogEntry } from '../store/ports.js';

/** What the admin API filters a directory's provisioning log by. */
export interface LogFilters {
  /** 'error': 4xx and 5xx; 'success': the rest; a number: exactly that status. */
  readonly status?: 'error' | 'success' | number;
  readonly operation?: string;
  /** A user's id or userName. */
  readonly user?: string;
  /** ISO-8601; inclusive. */
  readonly since?: string;
  /** ISO-8601; exclusive. */
  readonly until?: string;
}

/**
 * Log cursors name the seq of the last row served; the next page holds older rows. "l1." keeps them
 * apart from SCIM list cursors.
 */
export const logCursor = seqCursor('l1');

/** The columns of a CSV export, in order; also the keys of each JSON line. */
export const LOG_COLUMNS = [
  'at',
  'status',
  'method',
  'path',
  'operation',
  'resourceType',
  'resourceId',
  'resourceName',
  'scimType',
  'detail',
  'note',
  'durationMs',
  'client',
  'id',
] as const satisfies readonly (keyof LogEntry)[];

/**
 * One CSV field (RFC 4180). Values an IdP chose (a userName, a user agent) may start with `=`, `+`,
 * `-` or `@`; a spreadsheet would run them as formulas, so those get a leading apostrophe (OWASP's
 * CSV injection advice).
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${LOG_COLUMNS.join(',')}\r\n`;
}

export function csvRows(entries: readonly LogEntry[]): string {
  return entries.map((e) => `${LOG_COLUMNS.map((c) => csvField(e[c])).join(',')}\r\n`).join('');
}

/** The public fields of an entry (no tenant or directory ids: the URL names the directory). */
export function logJson(entry: LogEntry): Record<(typeof LOG_COLUMNS)[number], unknown> {
  return Object.fromEntries(LOG_COLUMNS.map((c) => [c, entry[c] ?? null])) as Record<
    (typeof LOG_COLUMNS)[number],
    unknown
  >;
}

export function jsonLines(entries: readonly LogEntry[]): string {
  return entries.map((e) => `${JSON.stringify(logJson(e))}\n`).join('');
}
