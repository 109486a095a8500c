import type { AttributePath } from '../schema/registry.js';

/** RFC 7644 §3.4.2.2 comparison operators. */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export const COMPARE_OPERATORS: readonly CompareOperator[] = [
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
];

/** A filter literal: JSON string, number, true/false or null. */
export type FilterValue = string | number | boolean | null;

export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOperator;
  readonly path: AttributePath;
  readonly value: FilterValue;
}
export interface PresentNode {
  readonly kind: 'present';
  readonly path: AttributePath;
}
export interface AndNode {
  readonly kind: 'and';
  readonly left: FilterNode;
  readonly right: FilterNode;
}
export interface OrNode {
  readonly kind: 'or';
  readonly left: FilterNode;
  readonly right: FilterNode;
}
export interface NotNode {
  readonly kind: 'not';
  readonly operand: FilterNode;
}
/**
 * `emails[type eq "work"]`: true when one element of the multi-valued attribute `path` matches
 * `filter`. Paths inside `filter` name sub-attributes of that element (`{name: 'type'}`).
 */
export interface ValuePathNode {
  readonly kind: 'valuePath';
  readonly path: AttributePath;
  readonly filter: FilterNode;
}

/** The frozen filter tree shared by the evaluator, the SQL compiler and the PATCH engine. */
export type FilterNode = CompareNode | PresentNode | AndNode | OrNode | NotNode | ValuePathNode;

export const compare = (op: CompareOperator, path: AttributePath, value: FilterValue): CompareNode =>
  Object.freeze({ kind: 'compare', op, path, value });
export const present = (path: AttributePath): PresentNode => Object.freeze({ kind: 'present', path });
export const and = (left: FilterNode, right: FilterNode): AndNode =>
  Object.freeze({ kind: 'and', left, right });
export const or = (left: FilterNode, right: FilterNode): OrNode => Object.freeze({ kind: 'or', left, right });
export const not = (operand: FilterNode): NotNode => Object.freeze({ kind: 'not', operand });
export const valuePath = (path: AttributePath, filter: FilterNode): ValuePathNode =>
  Object.freeze({ kind: 'valuePath', path, filter });

/** Renders a path back to filter syntax, for error messages and logs. */
export function formatPath(path: AttributePath): string {
  const base = path.uri ? `${path.uri}:${path.name}` : path.name;
  return path.subAttribute ? `${base}.${path.subAttribute}` : base;
}

/** Renders a filter back to RFC syntax (round-trips through the parser). */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${formatPath(node.path)} ${node.op} ${JSON.stringify(node.value)}`;
    case 'present':
      return `${formatPath(node.path)} pr`;
    case 'and':
    case 'or':
      return `(${formatFilter(node.left)} ${node.kind} ${formatFilter(node.right)})`;
    case 'not':
      return `not (${formatFilter(node.operand)})`;
    case 'valuePath':
      return `${formatPath(node.path)}[${formatFilter(node.filter)}]`;
  }
}
