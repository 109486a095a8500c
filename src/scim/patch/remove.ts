import { NoTargetError } from '../errors.js';
import { matchesElement } from '../filter/evaluate-filter.js';
import { findKey, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { findAttribute } from '../schema/attribute.js';
import { isUnassigned, normaliseValue } from '../schema/normalise-resource.js';
import { memberOpsForRemove } from './member-ops.js';
import { equalityFilter } from './multi-valued.js';
import { deleteKey, dropEmptyExtension, holderOf, type PatchContext } from './patch-context.js';
import type { AttributeTarget, Target } from './resolve-target.js';

/** RFC 7644 §3.5.2.2 remove. Removing what is not there is a no-op (IdPs retry). */
export function removeTarget(ctx: PatchContext, target: Target, value: JsonValue | undefined): void {
  switch (target.kind) {
    case 'ignored':
      return;
    case 'resource':
      throw new NoTargetError('A remove needs the path of an attribute, not of the resource');
    case 'extension':
      deleteKey(ctx.data, target.key);
      return;
    case 'members':
      ctx.memberOps.push(...memberOpsForRemove(target.filter, value));
      return;
    case 'attribute':
      removeAttributeTarget(ctx.data, target, value);
  }
}

function removeAttributeTarget(
  data: JsonObject,
  target: AttributeTarget,
  value: JsonValue | undefined,
): void {
  const { definition } = target;
  if (target.filter || (target.subAttribute !== undefined && definition?.multiValued))
    removeElements(data, target);
  else if (target.subAttribute !== undefined) removeSubAttribute(data, target);
  else if (!isUnassigned(value) && definition?.multiValued && definition.type === 'complex')
    removeListed(data, target, value);
  else removeAttribute(data, target);
}

export function removeAttribute(data: JsonObject, target: AttributeTarget): void {
  const holder = holderOf(data, target.extension, false);
  if (!holder) return;
  deleteKey(holder, target.name);
  dropEmptyExtension(data, target.extension);
}

/** `name.sub` of a single-valued complex (or schemaless) attribute; drops the parent once empty. */
export function removeSubAttribute(data: JsonObject, target: AttributeTarget): void {
  const holder = holderOf(data, target.extension, false);
  const key = holder && findKey(holder, target.name);
  const parent = key === undefined ? undefined : holder?.[key];
  if (!holder || key === undefined || !isObject(parent)) return;
  const rest = { ...parent };
  deleteKey(rest, target.subAttribute!);
  if (Object.keys(rest).length === 0) delete holder[key];
  else holder[key] = rest;
  dropEmptyExtension(data, target.extension);
}

/**
 * `emails[type eq "work"]` removes the selected elements; `emails[type eq "work"].value` (or
 * `emails.value`, every element) removes that sub-attribute from them. An element left empty, or
 * without the `value` its attribute is about, goes too: Microsoft's validator clears
 * `phoneNumbers[type eq "mobile"].value` with "" and expects no such phone number afterwards
 * (reference §1.2, fixture entra/patch-user-null-update-empty-string.json). An attribute left without
 * elements is removed (RFC 7644 §3.5.2.2: it "SHALL be considered unassigned").
 */
export function removeElements(data: JsonObject, target: AttributeTarget): void {
  const hasValue = findAttribute(target.definition?.subAttributes, 'value') !== undefined;
  keepElements(data, target, (element) => {
    if (target.filter && !matchesElement(target.filter, element, target.definition)) return element;
    if (target.subAttribute === undefined || !isObject(element)) return undefined;
    const rest = { ...element };
    deleteKey(rest, target.subAttribute);
    if (Object.keys(rest).length === 0 || (hasValue && findKey(rest, 'value') === undefined))
      return undefined;
    return rest;
  });
}

/**
 * A remove with a value list removes the listed elements only, never the whole attribute: the same
 * reading as Entra's legacy member removal (reference §1.3), applied to every multi-valued attribute.
 * An element is listed when it equals a listed value on each simple sub-attribute the value gives.
 */
function removeListed(data: JsonObject, target: AttributeTarget, value: JsonValue): void {
  const listed = normaliseValue(target.definition, value, target.label);
  const filters = (Array.isArray(listed) ? listed : []).flatMap((item) => equalityFilter(item) ?? []);
  if (filters.length === 0) return;
  keepElements(data, target, (element) =>
    filters.some((f) => matchesElement(f, element, target.definition)) ? undefined : element,
  );
}

function keepElements(
  data: JsonObject,
  target: AttributeTarget,
  keep: (element: JsonValue) => JsonValue | undefined,
): void {
  const holder = holderOf(data, target.extension, false);
  const key = holder && findKey(holder, target.name);
  if (!holder || key === undefined) return;
  const current = holder[key];
  const elements = Array.isArray(current)
    ? current
    : current === null || current === undefined
      ? []
      : [current];
  const kept: JsonValue[] = [];
  for (const element of elements) {
    const next = keep(element);
    if (next !== undefined) kept.push(next);
  }
  if (kept.length === 0) delete holder[key];
  else holder[key] = kept;
  dropEmptyExtension(data, target.extension);
}
