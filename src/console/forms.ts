import type { RoleDefinition } from '../directory/directory-settings.js';
import { ConsoleError } from './console-errors.js';

/** A parsed urlencoded form: a field given once is a string, given more than once a list. */
export type FormBody = Record<string, string | string[] | undefined>;

export function text(form: FormBody | undefined, name: string): string {
  const value = form?.[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** Every value of a field (checkboxes of one name). */
export function list(form: FormBody | undefined, name: string): string[] {
  const value = form?.[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).filter(Boolean);
}

export function checked(form: FormBody | undefined, name: string): boolean {
  return text(form, name) === 'on';
}

/** `admin: Admin` / `AppAdmin` lines (or commas) → roles; the display defaults to the value. */
export function parseRoleLines(input: string): RoleDefinition[] {
  return input
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf(':');
      const value = (at < 0 ? line : line.slice(0, at)).trim();
      const display = (at < 0 ? '' : line.slice(at + 1)).trim();
      return { value, display: display || value };
    });
}

export function roleLines(roles: readonly RoleDefinition[]): string {
  return roles.map((r) => (r.display === r.value ? r.value : `${r.value}: ${r.display}`)).join('\n');
}

/** A whole number field within bounds, or a clear error naming it. */
export function wholeNumber(
  form: FormBody | undefined,
  name: string,
  label: string,
  min: number,
  max: number,
): number {
  const raw = text(form, name);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new ConsoleError('INVALID_VALUE', `${label} must be a whole number from ${min} to ${max}`);
  return value;
}

/** A page size or sequence number from a query string; undefined when absent or not a number. */
export function queryNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
