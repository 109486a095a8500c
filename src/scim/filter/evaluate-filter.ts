import { InvalidFilterError } from '../errors.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { AttributeDefinition, AttributeType } from '../schema/attribute.js';
import { findAttribute } from '../schema/attribute.js';
import { type AttributePath, type ResourceTypeDefinition, resolveAttribute } from '../schema/registry.js';
import type { CompareOperator, FilterNode, FilterValue } from './filter-node.js';

/**
 * In-memory filter semantics (RFC 7644 §3.4.2.2). This is the reference the SQL compiler is tested
 * against, and what PATCH value filters use. Rules, shared with the SQL compiler:
 * - a multi-valued attribute matches when any of its values matches;
 * - a complex attribute named without sub-attribute compares its `value` sub-attribute;
 * - `ne` is `not eq`, so an absent attribute is "not equal"; `eq null` means "not present";
 * - `pr` and `eq`/`ne null` look at the whole attribute, not its `value` (RFC 7644 §3.4.2.2: "a
 *   non-empty node for complex attributes"), so `name pr` holds when any name part is set;
 * - strings compare case-insensitively unless the attribute is caseExact; unknown attributes are
 *   schemaless and compare as case-insensitive strings, numbers or booleans by their JSON type;
 * - booleans accept "True"/"False" in any case (Entra's `roles[primary eq "True"]`);
 * - dateTime compares chronologically and needs a string literal; ordering a boolean or binary
 *   is an invalidFilter error.
 */
export function evaluateFilter(
  filter: FilterNode,
  resource: JsonObject,
  type: ResourceTypeDefinition,
): boolean {
  checkFilter(filter, type);
  return evaluate(filter, {
    values: (path, implicitValue) => readPath(resource, path, type, implicitValue),
    describe: (path) => describeTopLevel(type, path),
    element: (path) => elementsAt(resource, path, type),
  });
}

/** Evaluates a value-filter (the part inside `[...]`) against one element of a multi-valued attribute. */
export function matchesElement(
  filter: FilterNode,
  element: JsonValue,
  parent: AttributeDefinition | undefined,
): boolean {
  return evaluate(filter, {
    values: (path) => readSub(element, path.name, parent),
    describe: (path) => describeSub(parent, path.name),
    element: () => {
      throw new InvalidFilterError('Value filters cannot be nested');
    },
  });
}

/**
 * Throws InvalidFilterError for operator/type combinations that are never valid (`active gt true`),
 * whatever the data, so the evaluator and the SQL compiler reject the same filters.
 */
export function checkFilter(
  filter: FilterNode,
  type: ResourceTypeDefinition,
  parent?: AttributeDefinition,
): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkFilter(filter.left, type, parent);
      checkFilter(filter.right, type, parent);
      return;
    case 'not':
      checkFilter(filter.operand, type, parent);
      return;
    case 'present':
      return;
    case 'valuePath':
      if (parent) throw new InvalidFilterError('Value filters cannot be nested');
      checkFilter(filter.filter, type, resolveAttribute(type, filter.path)?.attribute);
      return;
    case 'compare': {
      const definition = parent ? describeSub(parent, filter.path.name) : describeTopLevel(type, filter.path);
      if (filter.value === null) {
        if (filter.op !== 'eq' && filter.op !== 'ne')
          throw new InvalidFilterError(`Operator "${filter.op}" cannot compare with null`);
        return;
      }
      normaliseLiteral(
        filter.op,
        filter.value,
        comparisonType(definition, filter.value),
        definition?.caseExact ?? false,
      );
    }
  }
}

interface Scope {
  /** `implicitValue`: a complex attribute named alone stands for its `value` sub-attribute. */
  values(path: AttributePath, implicitValue: boolean): unknown[];
  describe(path: AttributePath): AttributeDefinition | undefined;
  element(path: AttributePath): { elements: JsonValue[]; definition: AttributeDefinition | undefined };
}

function evaluate(node: FilterNode, scope: Scope): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, scope) && evaluate(node.right, scope);
    case 'or':
      return evaluate(node.left, scope) || evaluate(node.right, scope);
    case 'not':
      return !evaluate(node.operand, scope);
    case 'present':
      return scope.values(node.path, false).some(isPresent);
    case 'valuePath': {
      const { elements, definition } = scope.element(node.path);
      return elements.some((e) => matchesElement(node.filter, e, definition));
    }
    case 'compare': {
      if (node.value === null) {
        const present = scope.values(node.path, false).some(isPresent);
        if (node.op === 'eq') return !present;
        if (node.op === 'ne') return present;
        throw new InvalidFilterError(`Operator "${node.op}" cannot compare with null`);
      }
      const definition = scope.describe(node.path);
      const values = scope.values(node.path, true);
      const literal = node.value;
      if (node.op === 'ne') return !values.some((v) => compareValue('eq', v, literal, definition));
      return values.some((v) => compareValue(node.op, v, literal, definition));
    }
  }
}

/** Whether an attribute value counts as present (RFC 7644 "pr": not null, not empty). */
export function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.values(value).some(isPresent);
  return true;
}

export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** The effective type of a comparison: the schema's, or for schemaless attributes the literal's. */
export function comparisonType(
  definition: AttributeDefinition | undefined,
  literal: FilterValue,
): AttributeType {
  if (definition) return definition.type === 'complex' ? 'string' : definition.type;
  if (typeof literal === 'boolean') return 'boolean';
  if (typeof literal === 'number') return 'decimal';
  return 'string';
}

/** Validates an operator against a type and normalises the literal; shared with the SQL compiler. */
export function normaliseLiteral(
  op: CompareOperator,
  literal: Exclude<FilterValue, null>,
  type: AttributeType,
  caseExact: boolean,
): string | number | boolean {
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  switch (type) {
    case 'boolean': {
      if (ordering || substring)
        throw new InvalidFilterError(`Operator "${op}" is not defined for boolean attributes`);
      const b = parseBoolean(literal);
      if (b === undefined)
        throw new InvalidFilterError(`Expected true or false, found ${JSON.stringify(literal)}`);
      return b;
    }
    case 'integer':
    case 'decimal': {
      if (substring) throw new InvalidFilterError(`Operator "${op}" is not defined for numbers`);
      const n = typeof literal === 'number' ? literal : Number(literal);
      if (typeof literal === 'boolean' || Number.isNaN(n))
        throw new InvalidFilterError(`Expected a number, found ${JSON.stringify(literal)}`);
      return n;
    }
    case 'dateTime': {
      // A number or boolean is never a dateTime (RFC 7644 §3.4.2.2: date times are quoted), so
      // `meta.created co 5` is rejected like `meta.created gt 5` rather than matched as text.
      if (typeof literal !== 'string')
        throw new InvalidFilterError(`Expected a dateTime string, found ${JSON.stringify(literal)}`);
      if (substring) return literal;
      const ms = Date.parse(literal);
      if (Number.isNaN(ms))
        throw new InvalidFilterError(`Expected a dateTime, found ${JSON.stringify(literal)}`);
      return new Date(ms).toISOString();
    }
    case 'binary':
      if (ordering) throw new InvalidFilterError(`Operator "${op}" is not defined for binary attributes`);
      return String(literal);
    default: {
      const s = String(literal);
      return caseExact ? s : s.toLowerCase();
    }
  }
}

function compareValue(
  op: CompareOperator,
  actual: unknown,
  literal: Exclude<FilterValue, null>,
  definition: AttributeDefinition | undefined,
): boolean {
  const type = comparisonType(definition, literal);
  const caseExact = definition?.caseExact ?? false;
  const expected = normaliseLiteral(op, literal, type, caseExact);
  let value: string | number | boolean;
  switch (type) {
    case 'boolean': {
      const b = parseBoolean(actual);
      if (b === undefined) return false;
      value = b;
      break;
    }
    case 'integer':
    case 'decimal':
      if (typeof actual !== 'number') return false;
      value = actual;
      break;
    case 'dateTime': {
      if (typeof actual !== 'string') return false;
      const ms = Date.parse(actual);
      if (Number.isNaN(ms)) return false;
      value = op === 'co' || op === 'sw' || op === 'ew' ? actual : new Date(ms).toISOString();
      break;
    }
    default:
      if (typeof actual !== 'string') return false;
      value = caseExact || type === 'binary' ? actual : actual.toLowerCase();
  }
  switch (op) {
    case 'eq':
      return value === expected;
    case 'ne':
      return value !== expected;
    case 'co':
      return (value as string).includes(expected as string);
    case 'sw':
      return (value as string).startsWith(expected as string);
    case 'ew':
      return (value as string).endsWith(expected as string);
    case 'gt':
      return value > expected;
    case 'ge':
      return value >= expected;
    case 'lt':
      return value < expected;
    case 'le':
      return value <= expected;
  }
}

function containerOf(
  resource: JsonObject,
  path: AttributePath,
  type: ResourceTypeDefinition,
): JsonValue | undefined {
  if (path.uri === undefined || path.uri.toLowerCase() === type.schema.id.toLowerCase()) return resource;
  return getCaseInsensitive(resource, path.uri);
}

/** Every value a path denotes, flattened across multi-valued attributes. */
function readPath(
  resource: JsonObject,
  path: AttributePath,
  type: ResourceTypeDefinition,
  implicitValue: boolean,
): unknown[] {
  const container = containerOf(resource, path, type);
  if (!isObject(container)) return [];
  const top = getCaseInsensitive(container, path.name);
  const definition = resolveAttribute(type, { ...path, subAttribute: undefined })?.attribute;
  const sub = path.subAttribute ?? (implicitValue && definition?.type === 'complex' ? 'value' : undefined);
  const items = Array.isArray(top) ? top : [top];
  if (sub === undefined) return items.filter((v) => v !== undefined);
  return items.flatMap((item) => {
    if (!isObject(item)) return [];
    const v = getCaseInsensitive(item, sub);
    return Array.isArray(v) ? v : v === undefined ? [] : [v];
  });
}

function elementsAt(resource: JsonObject, path: AttributePath, type: ResourceTypeDefinition) {
  const container = containerOf(resource, path, type);
  const definition = resolveAttribute(type, { ...path, subAttribute: undefined })?.attribute;
  if (!isObject(container)) return { elements: [], definition };
  const value = getCaseInsensitive(container, path.name);
  const elements = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return { elements, definition };
}

/** The definition a comparison on `path` uses: a complex attribute named alone compares its `value`. */
export function describeTopLevel(
  type: ResourceTypeDefinition,
  path: AttributePath,
): AttributeDefinition | undefined {
  const resolved = resolveAttribute(type, path);
  if (!resolved) return undefined;
  if (resolved.subAttribute) return resolved.subAttribute;
  if (resolved.attribute.type === 'complex') return findAttribute(resolved.attribute.subAttributes, 'value');
  return resolved.attribute;
}

function readSub(element: JsonValue, name: string, parent: AttributeDefinition | undefined): unknown[] {
  // A multi-valued attribute of simple values (rare) is filtered on the element itself as "value".
  if (!isObject(element))
    return parent?.type !== 'complex' && name.toLowerCase() === 'value' ? [element] : [];
  const v = getCaseInsensitive(element, name);
  return v === undefined ? [] : [v];
}

function describeSub(parent: AttributeDefinition | undefined, name: string): AttributeDefinition | undefined {
  return findAttribute(parent?.subAttributes, name);
}
