import {
  findKey,
  getCaseInsensitive,
  isObject,
  type JsonObject,
  type JsonValue,
} from '../json/json-value.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import type { MemberOp } from './member-ops.js';

/** The state of one PATCH request: a private copy of the data, mutated op by op, and member changes. */
export interface PatchContext {
  readonly type: ResourceTypeDefinition;
  readonly data: JsonObject;
  readonly memberOps: MemberOp[];
}

/**
 * The object holding an attribute: the data itself, or the extension object named `extension`
 * (created when `create` is set). undefined when it does not exist and may not be created.
 */
export function holderOf(
  data: JsonObject,
  extension: string | undefined,
  create: boolean,
): JsonObject | undefined {
  if (extension === undefined) return data;
  const key = findKey(data, extension) ?? extension;
  const existing = data[key];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const holder: JsonObject = {};
  data[key] = holder;
  return holder;
}

/** Removes an extension object left without attributes, so `schemas` does not list it. */
export function dropEmptyExtension(data: JsonObject, extension: string | undefined): void {
  if (extension === undefined) return;
  const key = findKey(data, extension);
  const holder = key === undefined ? undefined : data[key];
  if (key !== undefined && isObject(holder) && Object.keys(holder).length === 0) delete data[key];
}

/**
 * Sets `name`, replacing a differently-cased key for the same attribute (names are
 * case-insensitive, RFC 7643 §2.1). `__proto__` is never written: it would replace the prototype.
 */
export function writeKey(object: JsonObject, name: string, value: JsonValue): void {
  if (name === '__proto__') return;
  const existing = findKey(object, name);
  if (existing !== undefined && existing !== name) delete object[existing];
  object[name] = value;
}

export function deleteKey(object: JsonObject, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) delete object[key];
}

/** A copy of a multi-valued attribute's elements ([] when absent). */
export function elementsOf(holder: JsonObject, name: string): JsonValue[] {
  const value = getCaseInsensitive(holder, name);
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
}
