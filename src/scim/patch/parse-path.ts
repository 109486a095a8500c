import { InvalidFilterError, InvalidPathError } from '../errors.js';
import type { FilterNode } from '../filter/filter-node.js';
import { FilterParser, MAX_FILTER_LENGTH, parseAttributePath } from '../filter/parse-filter.js';

/**
 * A PATCH `path` (RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`), e.g. `name.givenName`,
 * `urn:…:enterprise:2.0:User:manager`, `members[value eq "x"]`, `emails[type eq "work"].value`.
 */
export interface PatchPath {
  /** Schema URN as written, when the path is URN-qualified. */
  readonly uri?: string;
  readonly name: string;
  /** The value filter of `name[filter]`; its paths name sub-attributes of one element. */
  readonly filter?: FilterNode;
  /** `name.sub` or `name[filter].sub`. */
  readonly subAttribute?: string;
}

/**
 * Parses a PATCH path with the filter grammar (the value filter is a filter, and Entra's
 * `emails[type eq "work"].value` is the same shape as its filter form). Throws InvalidPathError.
 */
export function parsePatchPath(text: string): PatchPath {
  if (text.length > MAX_FILTER_LENGTH)
    throw new InvalidPathError(`Path longer than ${MAX_FILTER_LENGTH} characters`);
  try {
    return parse(FilterParser.of(text));
  } catch (error) {
    if (error instanceof InvalidFilterError) throw new InvalidPathError(`Invalid path: ${error.detail}`);
    throw error;
  }
}

function parse(parser: FilterParser): PatchPath {
  const path = parser.parsePathToken();
  const open = parser.peek();
  if (open?.type !== '[') {
    parser.expectEnd();
    return path;
  }
  if (path.subAttribute !== undefined)
    throw parser.error('A value filter must follow an attribute, not a sub-attribute', open);
  parser.next();
  const filter = parser.parseOr(true);
  parser.expect(']');
  const after = parser.peek();
  let subAttribute: string | undefined;
  if (after?.type === 'word' && after.value.startsWith('.')) {
    parser.next();
    const sub = parseAttributePath(after.value.slice(1));
    if (!sub || sub.uri !== undefined || sub.subAttribute !== undefined) {
      throw parser.error(`Invalid sub-attribute "${after.value}"`, after);
    }
    subAttribute = sub.name;
  }
  parser.expectEnd();
  return { ...path, filter, ...(subAttribute !== undefined && { subAttribute }) };
}
