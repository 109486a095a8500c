import { isEchoedKey } from '../compat/okta.js';
import { InvalidSyntaxError, InvalidValueError, NoTargetError } from '../errors.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { findAttribute } from '../schema/attribute.js';
import { isUnassigned, normaliseElement, normaliseValue } from '../schema/normalise-resource.js';
import { memberOpsForSet } from './member-ops.js';
import { clearOtherPrimaries, elementFromFilter, jsonEqual, selectElements } from './multi-valued.js';
import { deleteKey, elementsOf, holderOf, type PatchContext, writeKey } from './patch-context.js';
import { removeAttribute, removeElements, removeSubAttribute } from './remove.js';
import { type AttributeTarget, type ExtensionTarget, resolveTarget, type Target } from './resolve-target.js';

export type SetOp = 'add' | 'replace';

/**
 * RFC 7644 §3.5.2.1 add and §3.5.2.3 replace. They differ only for multi-valued attributes (add
 * appends, replace swaps the whole array) and for filtered paths without a sub-attribute (add merges
 * into the selected elements, replace swaps them). A null or "" value unassigns the target: that is
 * how Microsoft's validator clears attributes (`{"op":"replace","path":"…","value":""}`, reference §1.2
 * and §1.6, fixture entra/patch-user-null-update-empty-string.json).
 */
export function setTarget(ctx: PatchContext, op: SetOp, target: Target, value: JsonValue): void {
  switch (target.kind) {
    case 'ignored':
      return;
    case 'resource':
      setPathless(ctx, op, value);
      return;
    case 'extension':
      setExtension(ctx, op, target, value);
      return;
    case 'members':
      ctx.memberOps.push(...memberOpsForSet(op, target.filter, value));
      return;
    case 'attribute':
      setAttribute(ctx, op, target, value);
  }
}

/**
 * A path-less add/replace: each key of the value is a path of its own. Besides attribute names that
 * covers Entra's dotted keys and URN-qualified keys (`"name.givenName"`,
 * `"urn:…:enterprise:2.0:User:employeeNumber"`, reference §1.2 and §1.4; fixture
 * entra/patch-user-optscim-replace-attributes.json) and Okta's `{"active":false}` and
 * `{"id":…,"displayName":…}` (§2.1, §2.2).
 */
export function setPathless(ctx: PatchContext, op: SetOp, value: JsonValue): void {
  if (!isObject(value))
    throw new InvalidSyntaxError(`An "${op}" without a path needs an object of attributes as its value`);
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || isEchoedKey(key)) continue;
    setTarget(ctx, op, resolveTarget(ctx.type, key, 'key', inner, ctx.data), inner);
  }
}

/** A whole extension object: its keys are merged one by one, like a complex attribute. */
function setExtension(ctx: PatchContext, op: SetOp, target: ExtensionTarget, value: JsonValue): void {
  if (isUnassigned(value)) {
    deleteKey(ctx.data, target.key);
    return;
  }
  if (!isObject(value)) throw new InvalidValueError(`"${target.key}" needs an object of attributes`);
  for (const [name, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const path = `${target.key}:${name}`;
    const attribute: Target = target.known
      ? resolveTarget(ctx.type, path, 'key', inner, ctx.data)
      : { kind: 'attribute', extension: target.key, name, label: path };
    setTarget(ctx, op, attribute, inner);
  }
}

function setAttribute(ctx: PatchContext, op: SetOp, target: AttributeTarget, value: JsonValue): void {
  const { definition } = target;
  if (target.filter || (target.subAttribute !== undefined && definition?.multiValued)) {
    setElements(ctx.data, op, target, value);
  } else if (target.subAttribute !== undefined) {
    setSubAttribute(ctx.data, target, value);
  } else if (isUnassigned(value)) {
    removeAttribute(ctx.data, target);
  } else if (definition?.multiValued) {
    if (op === 'add') appendElements(ctx.data, target, value);
    else replaceElements(ctx.data, target, value);
  } else if (definition?.type === 'complex') {
    mergeComplex(ctx.data, target, value);
  } else {
    // Simple or schemaless: normaliseValue only returns undefined for unassigned values, handled above.
    writeKey(
      holderOf(ctx.data, target.extension, true)!,
      target.name,
      normaliseValue(definition, value, target.label)!,
    );
  }
}

/**
 * A single-valued complex attribute: the given sub-attributes replace or add, the others stay
 * (RFC 7644 §3.5.2.3). Entra's bare manager id becomes `{value}` (reference §1.6, compat/entra.ts).
 */
function mergeComplex(data: JsonObject, target: AttributeTarget, value: JsonValue): void {
  const definition = target.definition!;
  const object = isObject(value) ? value : (normaliseValue(definition, value, target.label) as JsonObject);
  for (const [name, inner] of Object.entries(object)) {
    if (inner === undefined) continue;
    const subDefinition = findAttribute(definition.subAttributes, name);
    // As in a POST body, readOnly sub-attributes in a value are ignored (RFC 7643 §2.2).
    if (subDefinition?.mutability === 'readOnly') continue;
    const sub = {
      ...target,
      subAttribute: subDefinition?.name ?? name,
      subDefinition,
      label: `${target.label}.${name}`,
    };
    setSubAttribute(data, sub, inner);
  }
}

function setSubAttribute(data: JsonObject, target: AttributeTarget, value: JsonValue): void {
  if (isUnassigned(value)) {
    removeSubAttribute(data, target);
    return;
  }
  const holder = holderOf(data, target.extension, true)!;
  const parent = getCaseInsensitive(holder, target.name);
  if (parent !== undefined && parent !== null && !isObject(parent)) {
    throw new NoTargetError(`"${target.label}": "${target.name}" has a value without sub-attributes`);
  }
  const next: JsonObject = { ...(parent ?? {}) };
  writeKey(next, target.subAttribute!, normaliseValue(target.subDefinition, value, target.label)!);
  writeKey(holder, target.name, next);
}

/** RFC 7644 §3.5.2.1: add to a multi-valued attribute appends; exact duplicates are skipped. */
function appendElements(data: JsonObject, target: AttributeTarget, value: JsonValue): void {
  const added = normaliseValue(target.definition, value, target.label);
  if (!Array.isArray(added)) return;
  const holder = holderOf(data, target.extension, true)!;
  const elements = elementsOf(holder, target.name);
  const touched: number[] = [];
  for (const element of added) {
    if (elements.some((existing) => jsonEqual(existing, element))) continue;
    touched.push(elements.push(element) - 1);
  }
  clearOtherPrimaries(elements, touched);
  if (elements.length > 0) writeKey(holder, target.name, elements);
}

/** RFC 7644 §3.5.2.3: replace without a filter replaces every value (Entra's assertive roles, §1.5). */
function replaceElements(data: JsonObject, target: AttributeTarget, value: JsonValue): void {
  const replaced = normaliseValue(target.definition, value, target.label);
  if (replaced === undefined) removeAttribute(data, target);
  else writeKey(holderOf(data, target.extension, true)!, target.name, replaced);
}

/**
 * `attr[filter]` or `attr[filter].sub` (or `attr.sub` on a multi-valued attribute: every element).
 * Selected elements are updated; when none is selected and the filter is a conjunction of `eq`, the
 * element it describes is created (reference §1.2, §1.5; fixtures entra/patch-user-add-work-email.json,
 * entra/patch-user-add-primary-role.json), else there is no target (RFC 7644 §3.5.2.3).
 */
function setElements(data: JsonObject, op: SetOp, target: AttributeTarget, value: JsonValue): void {
  if (isUnassigned(value)) {
    removeElements(data, target);
    return;
  }
  const definition = target.definition!;
  const holder = holderOf(data, target.extension, true)!;
  const elements = elementsOf(holder, target.name);
  const selected = selectElements(elements, target.filter, definition);
  const updated = (raw: JsonObject): JsonValue => {
    const element = normaliseElement(definition, raw, target.label);
    if (element === undefined) throw new InvalidValueError(`"${target.label}" would leave an empty value`);
    return element;
  };
  if (selected.length === 0) {
    const base = target.filter ? elementFromFilter(target.filter, definition) : {};
    if (!base)
      throw new NoTargetError(
        `"${target.label}" matches no value, and its filter does not say which to create`,
      );
    elements.push(updated(withValue(base, target, value)));
    selected.push(elements.length - 1);
  } else {
    for (const index of selected) {
      const current = elements[index];
      const start =
        op === 'add' || target.subAttribute !== undefined ? (isObject(current) ? current : {}) : {};
      elements[index] = updated(withValue(start, target, value));
    }
  }
  clearOtherPrimaries(elements, selected);
  writeKey(holder, target.name, elements);
}

/** `element` with the operation's value written into it: as the sub-attribute, or merged in. */
function withValue(element: JsonObject, target: AttributeTarget, value: JsonValue): JsonObject {
  const next: JsonObject = { ...element };
  if (target.subAttribute !== undefined) {
    writeKey(next, target.subAttribute, value);
    return next;
  }
  if (!isObject(value)) throw new InvalidValueError(`"${target.label}" needs an object value`);
  for (const [name, inner] of Object.entries(value)) if (inner !== undefined) writeKey(next, name, inner);
  return next;
}
