import { InvalidValueError } from '../scim/errors.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../scim/json/json-value.js';
import type { DirectorySettings } from './directory-settings.js';

/**
 * Applies a directory's role settings to a user's `roles` before it is stored.
 * Values are matched case-insensitively against each role's value and display name, because
 * Entra's SingleAppRoleAssignment may send the display name (seed 002's note).
 */
export function applyRolePolicy(data: JsonObject, settings: DirectorySettings): JsonObject {
  const key = Object.keys(data).find((k) => k.toLowerCase() === 'roles') ?? 'roles';
  const sent = data[key];
  const elements = Array.isArray(sent) ? sent.filter(isObject) : [];
  let roles = elements.map((element) => canonicalRole(element, settings)).filter((r) => r !== undefined);
  roles = dedupe(roles);

  if (!settings.multiRole && roles.length > 1) {
    const primary = roles.filter((r) => r.primary === true);
    if (primary.length !== 1)
      throw new InvalidValueError(
        `This directory allows one role per user, but ${roles.length} were sent (${roles.map((r) => r.value).join(', ')}); ` +
          'assign the user one app role (Entra reports this as MultipleGrantsNotSupported)',
      );
    roles = primary;
  }
  if (roles.length === 0 && settings.defaultRole !== undefined)
    roles = [{ value: settings.defaultRole, primary: true }];

  if (roles.length === 0) {
    if (!(key in data)) return data;
    const { [key]: _removed, ...rest } = data;
    return rest;
  }
  return { ...data, [key]: roles };
}

function canonicalRole(element: JsonObject, settings: DirectorySettings): JsonObject | undefined {
  const value = getCaseInsensitive(element, 'value');
  if (typeof value !== 'string' || value === '') return undefined;
  if (settings.roles.length === 0) return element;
  const lower = value.toLowerCase();
  const match = settings.roles.find(
    (r) => r.value.toLowerCase() === lower || r.display.toLowerCase() === lower,
  );
  if (match) return { ...element, value: match.value };
  if (settings.unknownRolePolicy === 'default' && settings.defaultRole !== undefined)
    return { ...element, value: settings.defaultRole };
  const allowed = settings.roles.map((r) => r.value).join(', ');
  throw new InvalidValueError(`Role "${value}" is not one of the roles this directory allows: ${allowed}`);
}

function dedupe(roles: JsonObject[]): JsonObject[] {
  const seen = new Map<string, JsonObject>();
  for (const role of roles) {
    const value = role.value as string;
    const previous = seen.get(value);
    // Keep the primary flag if any duplicate carried it.
    if (!previous || (role.primary === true && previous.primary !== true)) seen.set(value, role);
  }
  return [...seen.values()];
}

export function rolesOf(data: JsonObject): string[] {
  const roles = getCaseInsensitive(data, 'roles');
  if (!Array.isArray(roles)) return [];
  return roles
    .map((r: JsonValue) => (isObject(r) ? getCaseInsensitive(r, 'value') : undefined))
    .filter((v): v is string => typeof v === 'string');
}
