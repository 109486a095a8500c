import { NoTargetError } from '../errors.js';
import { isObject, type JsonObject } from '../json/json-value.js';
import { checkRequiredAttributes, checkSinglePrimary } from '../schema/normalise-resource.js';
import type { ResourceTypeDefinition } from '../schema/registry.js';
import { setPathless, setTarget } from './add-or-replace.js';
import type { MemberOp } from './member-ops.js';
import { type PatchOperation, parsePatchRequest } from './parse-patch-request.js';
import type { PatchContext } from './patch-context.js';
import { removeTarget } from './remove.js';
import { resolveTarget } from './resolve-target.js';

export type { MemberOp } from './member-ops.js';

export interface PatchResult {
  /** A new object; the input data is never modified. */
  data: JsonObject;
  /** Group membership changes in request order, for the caller to apply to its member rows. */
  memberOps: MemberOp[];
}

/**
 * Applies a PATCH request body (RFC 7644 §3.5.2) to a resource's stored data. All operations apply
 * or none does: the work happens on a private copy, and any error is thrown before it is returned.
 * Throws InvalidSyntaxError, InvalidPathError, NoTargetError, MutabilityError, InvalidValueError.
 */
export function applyPatch(type: ResourceTypeDefinition, data: JsonObject, body: unknown): PatchResult {
  const operations = parsePatchRequest(body);
  const ctx: PatchContext = { type, data: structuredClone(data), memberOps: [] };
  for (const operation of operations) applyOperation(ctx, operation);
  checkPatchedData(type, ctx.data);
  return { data: ctx.data, memberOps: ctx.memberOps };
}

function applyOperation(ctx: PatchContext, { op, path, value }: PatchOperation): void {
  if (op === 'remove') {
    if (path === undefined) throw new NoTargetError('A remove needs a path (RFC 7644 §3.5.2.2)');
    removeTarget(ctx, resolveTarget(ctx.type, path, 'path', undefined, ctx.data), value);
    return;
  }
  // parsePatchRequest makes sure add and replace carry a value.
  if (path === undefined) setPathless(ctx, op, value!);
  else setTarget(ctx, op, resolveTarget(ctx.type, path, 'path', value, ctx.data), value!);
}

/** What must hold once every operation has applied: required attributes, one primary per attribute. */
function checkPatchedData(type: ResourceTypeDefinition, data: JsonObject): void {
  checkRequiredAttributes(type, data);
  const schemas = [
    { holder: data, schema: type.schema },
    ...type.extensions.map((schema) => ({ holder: data[schema.id], schema })),
  ];
  for (const { holder, schema } of schemas) {
    if (!isObject(holder)) continue;
    for (const attribute of schema.attributes) {
      const values = holder[attribute.name];
      if (attribute.multiValued && Array.isArray(values)) checkSinglePrimary(values, attribute.name);
    }
  }
}
