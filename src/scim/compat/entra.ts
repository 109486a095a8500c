import { parseBoolean } from '../filter/evaluate-filter.js';
import {
  findKey,
  getCaseInsensitive,
  isObject,
  type JsonObject,
  type JsonValue,
} from '../json/json-value.js';

/**
 * Microsoft Entra ID request shapes that are not RFC 7643/7644, each with the section of
 * /work/shared/reference/entra-okta-scim.md (and the fixture under test/fixtures/idp/entra/) that shows it.
 */

/**
 * Booleans as strings. Entra's legacy PATCH disables a user with `"value":"False"` (reference §1.4;
 * fixture `patch-user-legacy-disable.json`): the default `active` mapping is a `Switch(...)` that yields
 * strings, and some tenants lower-case them (scimmy #86). Role elements arrive with `"primary":"false"`
 * on POST (§1.5). Any case of "true"/"false" is accepted; anything else is not a boolean.
 */
export function parseEntraBoolean(value: JsonValue): boolean | undefined {
  return parseBoolean(value);
}

/**
 * The enterprise `manager` sent as a bare id (`"value":"271"`, reference §1.6; fixtures
 * `patch-user-legacy-add-manager.json`, `patch-user-replace-manager.json`) where RFC 7643 §4.3 defines
 * a complex `{value}`. Entra reads it back as complex (Budibase #15369), so the complex form is stored.
 * Returns undefined when the value is not a bare id.
 */
export function managerFromBareId(value: JsonValue): JsonObject | undefined {
  return typeof value === 'string' || typeof value === 'number' ? { value } : undefined;
}

/**
 * AppRoleAssignmentsComplex puts each role as a JSON string inside `value` (reference §1.5; fixture
 * `patch-user-add-roles-stringified.json`):
 * `{"value":"{\"id\":\"06b0…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`.
 * The inner `value` becomes the element's value and the inner `displayName` its `display` (unless one
 * was sent); the app role `id` is Entra's, not a value the host app understands, so it is dropped.
 * Any element whose `value` is not such a string is returned unchanged.
 */
export function unwrapStringifiedAppRole(element: JsonObject): JsonObject {
  const valueKey = findKey(element, 'value');
  const raw = valueKey === undefined ? undefined : element[valueKey];
  if (typeof raw !== 'string' || !raw.trimStart().startsWith('{')) return element;
  let inner: unknown;
  try {
    inner = JSON.parse(raw);
  } catch {
    return element;
  }
  if (!isObject(inner)) return element;
  const innerValue = getCaseInsensitive(inner, 'value');
  if (typeof innerValue !== 'string' && typeof innerValue !== 'number') return element;
  const unwrapped: JsonObject = { ...element };
  delete unwrapped[valueKey as string];
  unwrapped.value = innerValue;
  const displayName = getCaseInsensitive(inner, 'displayName');
  if (findKey(element, 'display') === undefined && typeof displayName === 'string' && displayName !== '') {
    unwrapped.display = displayName;
  }
  return unwrapped;
}
