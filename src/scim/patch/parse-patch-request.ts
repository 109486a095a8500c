import { InvalidSyntaxError } from '../errors.js';
import { findKey, getCaseInsensitive, isObject, type JsonValue } from '../json/json-value.js';

export type PatchOpName = 'add' | 'replace' | 'remove';

/** One entry of `Operations`, checked for shape only; paths are resolved when applied. */
export interface PatchOperation {
  readonly op: PatchOpName;
  /** undefined when the operation has no path (the resource itself is the target). */
  readonly path?: string;
  /** undefined when the operation had no `value` member; null when it was an explicit null. */
  readonly value?: JsonValue;
}

const OP_NAMES: readonly string[] = ['add', 'replace', 'remove'];

/**
 * Reads a PatchOp body (RFC 7644 §3.5.2). `schemas` is not required, and an empty `Operations`
 * array is a valid no-op (Entra sends one). `op` is case-insensitive: Entra's legacy service sends
 * "Add"/"Replace"/"Remove" (reference §1.2, §1.4). Values are deep-copied so the result of a patch
 * never shares objects with the request. Throws InvalidSyntaxError.
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new InvalidSyntaxError('A PATCH body must be a JSON object');
  const operations = getCaseInsensitive(body, 'Operations');
  if (!Array.isArray(operations)) throw new InvalidSyntaxError('A PATCH body needs an "Operations" array');
  return operations.map((operation, index) => parseOperation(operation, index));
}

function parseOperation(operation: JsonValue, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(operation)) throw new InvalidSyntaxError(`${where} must be an object`);
  const rawOp = getCaseInsensitive(operation, 'op');
  const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : undefined;
  if (op === undefined || !OP_NAMES.includes(op)) {
    throw new InvalidSyntaxError(
      `${where}: "op" must be add, replace or remove, not ${JSON.stringify(rawOp ?? null)}`,
    );
  }
  const rawPath = getCaseInsensitive(operation, 'path');
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
    throw new InvalidSyntaxError(`${where}: "path" must be a string`);
  }
  // An empty path is read as no path: the resource itself.
  const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : undefined;
  const valueKey = findKey(operation, 'value');
  const value = valueKey === undefined ? undefined : operation[valueKey];
  if (op !== 'remove' && value === undefined)
    throw new InvalidSyntaxError(`${where}: "${op}" needs a "value"`);
  return {
    op: op as PatchOpName,
    ...(path !== undefined && { path }),
    ...(value !== undefined && { value: structuredClone(value) }),
  };
}
