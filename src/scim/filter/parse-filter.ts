import { InvalidFilterError } from '../errors.js';
import type { AttributePath } from '../schema/registry.js';
import {
  and,
  COMPARE_OPERATORS,
  type CompareOperator,
  compare,
  type FilterNode,
  type FilterValue,
  not,
  or,
  present,
  valuePath,
} from './filter-node.js';
import { lexFilter, type Token } from './lex-filter.js';

/** Deepest parenthesised nesting accepted; keeps recursion bounded whatever the input. */
const MAX_NESTING = 50;
const ATTR_NAME = /^\$?[A-Za-z][\w-]*$/;
const URN_PREFIX = /^urn:/i;

/**
 * Splits `[urn:…:]name[.sub]` into its parts, or returns undefined if it is not a valid path.
 * The URN is everything up to the last colon (URNs contain dots, e.g. `…:2.0:User:name.givenName`).
 */
export function parseAttributePath(text: string): AttributePath | undefined {
  let uri: string | undefined;
  let rest = text;
  if (URN_PREFIX.test(text)) {
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (!uri || !rest) return undefined;
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => ATTR_NAME.test(p))) return undefined;
  const [name, subAttribute] = parts as [string, string | undefined];
  return { ...(uri !== undefined && { uri }), name, ...(subAttribute !== undefined && { subAttribute }) };
}

/** Recursive-descent parser over the RFC 7644 filter grammar: or < and < not/grouping/expression. */
export class FilterParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string,
  ) {}

  static of(text: string): FilterParser {
    return new FilterParser(lexFilter(text), text);
  }

  parseFilter(): FilterNode {
    const node = this.parseOr(false);
    this.expectEnd();
    return node;
  }

  /** The remaining tokens must all have been consumed. */
  expectEnd(): void {
    const token = this.peek();
    if (token) throw this.error(`Unexpected ${describe(token)}`, token);
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  /** Parses an or-expression; inside `[...]` (`nested`) paths are sub-attributes and `[` may not nest. */
  parseOr(nested: boolean): FilterNode {
    let left = this.parseAnd(nested);
    while (this.isKeyword('or')) {
      this.pos++;
      left = or(left, this.parseAnd(nested));
    }
    return left;
  }

  private parseAnd(nested: boolean): FilterNode {
    let left = this.parseUnary(nested);
    while (this.isKeyword('and')) {
      this.pos++;
      left = and(left, this.parseUnary(nested));
    }
    return left;
  }

  private parseUnary(nested: boolean): FilterNode {
    const token = this.peek();
    if (!token) throw this.error('Filter ends where an expression was expected');
    if (this.isKeyword('not') && this.peek(1)?.type === '(') {
      this.pos++;
      return not(this.parseGroup(nested));
    }
    if (token.type === '(') return this.parseGroup(nested);
    return this.parseExpression(nested);
  }

  private parseGroup(nested: boolean): FilterNode {
    const open = this.peek();
    this.expect('(');
    if (++this.depth > MAX_NESTING) throw this.error(`Parentheses nested deeper than ${MAX_NESTING}`, open);
    const inner = this.parseOr(nested);
    this.expect(')');
    this.depth--;
    return inner;
  }

  /** `attrPath op value`, `attrPath pr`, `attr[filter]`, or Entra's `attr[filter].sub op value`. */
  private parseExpression(nested: boolean): FilterNode {
    const pathToken = this.peek();
    const path = this.parsePathToken();
    // Inside `[...]` a path names a sub-attribute of the element; sub-attributes have no
    // sub-attributes (RFC 7643 §2.3.8), and the evaluator would otherwise ignore `.x` silently.
    if (nested && (path.uri !== undefined || path.subAttribute !== undefined))
      throw this.error('A value filter can only name sub-attributes of its attribute', pathToken);
    if (this.peek()?.type === '[') {
      if (nested) throw this.error('Value filters cannot be nested', this.peek());
      if (path.subAttribute !== undefined)
        throw this.error('A value filter must follow an attribute, not a sub-attribute');
      this.pos++;
      const inner = this.parseOr(true);
      this.expect(']');
      const sub = this.peek();
      // Entra's uniqueness query `emails[type eq "work"].value eq "x"` (M1 "/Users"): not in the RFC
      // grammar, but it means "one email has type work and value x", so fold it into the value filter.
      if (sub?.type === 'word' && sub.value.startsWith('.')) {
        this.pos++;
        const subPath = parseAttributePath(sub.value.slice(1));
        if (!subPath || subPath.uri || subPath.subAttribute)
          throw this.error(`Invalid sub-attribute "${sub.value}"`, sub);
        return valuePath(path, and(inner, this.parseCondition(subPath)));
      }
      return valuePath(path, inner);
    }
    return this.parseCondition(path);
  }

  /** The operator and value after an attribute path. */
  private parseCondition(path: AttributePath): FilterNode {
    const opToken = this.next();
    if (opToken?.type !== 'word') throw this.error('Expected an operator after the attribute', opToken);
    const op = opToken.value.toLowerCase();
    if (op === 'pr') return present(path);
    if (!COMPARE_OPERATORS.includes(op as CompareOperator))
      throw this.error(`Unknown operator "${opToken.value}"`, opToken);
    return compare(op as CompareOperator, path, this.parseValue());
  }

  private parseValue(): FilterValue {
    const token = this.next();
    if (!token) throw this.error('Filter ends where a value was expected');
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'word') {
      const word = token.value.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    throw this.error(
      `Expected a value (a quoted string, number, true, false or null), found ${describe(token)}`,
      token,
    );
  }

  parsePathToken(): AttributePath {
    const token = this.next();
    if (token?.type !== 'word') throw this.error('Expected an attribute name', token);
    const path = parseAttributePath(token.value);
    if (!path) throw this.error(`Invalid attribute name "${token.value}"`, token);
    return path;
  }

  expect(type: '(' | ')' | '[' | ']'): void {
    const token = this.next();
    if (token?.type !== type) throw this.error(`Expected "${type}"`, token);
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.value.toLowerCase() === word;
  }

  error(message: string, token?: Token): InvalidFilterError {
    const where = token ? ` at position ${token.at + 1}` : '';
    return new InvalidFilterError(`${message}${where} in filter: ${this.text}`);
  }
}

function describe(token: Token): string {
  if (token.type === 'word') return `"${token.value}"`;
  if (token.type === 'string') return `string ${JSON.stringify(token.value)}`;
  if (token.type === 'number') return `number ${token.value}`;
  return `"${token.type}"`;
}

/** Longest filter accepted; a guard against pathological input, far above what any IdP sends. */
export const MAX_FILTER_LENGTH = 4096;

/** Parses a SCIM filter into a frozen tree. Throws InvalidFilterError (400 invalidFilter). */
export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH)
    throw new InvalidFilterError(`Filter longer than ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === '') throw new InvalidFilterError('Empty filter');
  return FilterParser.of(text).parseFilter();
}
