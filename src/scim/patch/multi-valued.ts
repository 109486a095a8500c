import { matchesElement } from '../filter/evaluate-filter.js';
import { and, compare, type FilterNode } from '../filter/filter-node.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type AttributeDefinition, findAttribute } from '../schema/attribute.js';

/** Indexes of the elements a value filter selects; every element when there is no filter. */
export function selectElements(
  elements: readonly JsonValue[],
  filter: FilterNode | undefined,
  definition: AttributeDefinition | undefined,
): number[] {
  const selected: number[] = [];
  elements.forEach((element, index) => {
    if (!filter || matchesElement(filter, element, definition)) selected.push(index);
  });
  return selected;
}

/**
 * The element a filter describes when it is a conjunction of `eq` comparisons on sub-attributes:
 * `type eq "work"` → `{type: "work"}`, `primary eq "True" and type eq "x"` → `{primary: "True", type: "x"}`
 * (coerced later like any value). undefined for any other filter, which cannot say what to create.
 * Entra adds through filtered paths to arrays that do not exist yet (reference §1.2, SCIM-SDK #416;
 * §1.5 `roles[primary eq "True"].value`), so a filter matching nothing on add/replace creates this element.
 */
export function elementFromFilter(
  filter: FilterNode,
  definition: AttributeDefinition,
): JsonObject | undefined {
  const element: JsonObject = {};
  const collect = (node: FilterNode): boolean => {
    if (node.kind === 'and') return collect(node.left) && collect(node.right);
    if (node.kind !== 'compare' || node.op !== 'eq' || node.value === null) return false;
    if (node.path.uri !== undefined || node.path.subAttribute !== undefined) return false;
    const name = findAttribute(definition.subAttributes, node.path.name)?.name ?? node.path.name;
    if (name === '__proto__') return false;
    element[name] = node.value;
    return true;
  };
  return collect(filter) ? element : undefined;
}

/** `a eq x and b eq y` over an element's simple sub-attributes, or undefined when it has none. */
export function equalityFilter(element: JsonValue): FilterNode | undefined {
  if (!isObject(element)) return undefined;
  let filter: FilterNode | undefined;
  for (const [name, value] of Object.entries(element)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const condition = compare('eq', { name }, value);
    filter = filter ? and(filter, condition) : condition;
  }
  return filter;
}

/**
 * RFC 7644 §3.5.2: "a PATCH operation that sets a value's 'primary' sub-attribute to 'true' SHALL
 * cause the server to automatically set 'primary' to 'false' for any other values in the array."
 */
export function clearOtherPrimaries(elements: JsonValue[], touched: readonly number[]): void {
  if (!touched.some((i) => isPrimary(elements[i]))) return;
  elements.forEach((element, index) => {
    if (!touched.includes(index) && isPrimary(element))
      elements[index] = { ...(element as JsonObject), primary: false };
  });
}

function isPrimary(element: JsonValue | undefined): boolean {
  return isObject(element) && getCaseInsensitive(element, 'primary') === true;
}

/** Structural equality of JSON values, ignoring key order. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
  return keys.length === otherKeys.length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}
