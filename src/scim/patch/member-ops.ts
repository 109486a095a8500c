import { MutabilityError } from '../errors.js';
import type { FilterNode } from '../filter/filter-node.js';
import type { JsonValue } from '../json/json-value.js';
import { isUnassigned, type MemberInput, normaliseMembers } from '../schema/normalise-resource.js';

/**
 * A change to a group's membership, which the caller stores as rows (never in `data`), applied in
 * request order. `removeWhere.filter` is a value filter: its paths name sub-attributes of one member
 * (`value`, `type`, `display`), as inside `members[...]`.
 */
export type MemberOp =
  | { kind: 'add'; members: MemberInput[] }
  | { kind: 'remove'; ids: string[] }
  | { kind: 'removeAll' }
  | { kind: 'replace'; members: MemberInput[] }
  | { kind: 'removeWhere'; filter: FilterNode };

/** `add`/`replace` with path `members` (or a `members` key of a path-less value). */
export function memberOpsForSet(
  op: 'add' | 'replace',
  filter: FilterNode | undefined,
  value: JsonValue,
): MemberOp[] {
  // Members have no mutable sub-attributes (RFC 7643 §4.2: value, $ref and type are immutable,
  // display readOnly); a member is added or removed, never edited in place.
  if (filter)
    throw new MutabilityError('Members can only be added, removed or replaced, not edited through a filter');
  if (isUnassigned(value)) return op === 'replace' ? [{ kind: 'removeAll' }] : [];
  const members = normaliseMembers(value);
  if (op === 'replace') return [{ kind: 'replace', members }];
  return members.length === 0 ? [] : [{ kind: 'add', members }];
}

/** `remove` with path `members`, `members[filter]`, or Entra's legacy `members` plus a value list. */
export function memberOpsForRemove(filter: FilterNode | undefined, value: JsonValue | undefined): MemberOp[] {
  if (filter) {
    const ids = idsOfValueFilter(filter);
    return [ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter }];
  }
  if (value === undefined || value === null) return [{ kind: 'removeAll' }];
  // Entra's legacy removal `{"op":"Remove","path":"members","value":[{"value":"id"}]}` (reference §1.3,
  // §1.4; fixture entra/patch-group-legacy-remove-member.json) means "remove these members". Read
  // literally (RFC 7644 §3.5.2.2) it removes every member, which is what broke other servers.
  const ids = normaliseMembers(value).map((m) => m.value);
  return ids.length === 0 ? [] : [{ kind: 'remove', ids }];
}

/** `value eq "a"` or `value eq "a" or value eq "b"` → ["a", "b"]; undefined for any other filter. */
function idsOfValueFilter(filter: FilterNode): string[] | undefined {
  if (filter.kind === 'or') {
    const left = idsOfValueFilter(filter.left);
    const right = idsOfValueFilter(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  const isValueEq =
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    typeof filter.value === 'string' &&
    filter.path.uri === undefined &&
    filter.path.subAttribute === undefined &&
    filter.path.name.toLowerCase() === 'value';
  return isValueEq ? [filter.value as string] : undefined;
}
