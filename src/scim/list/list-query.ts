import { InvalidValueError } from '../errors.js';
import type { FilterNode } from '../filter/filter-node.js';
import { parseAttributePath, parseFilter } from '../filter/parse-filter.js';
import type { AttributePath } from '../schema/registry.js';

/** Largest page served; larger `count`s are lowered to it (RFC 7644 §3.4.2.4 lets the server return fewer). */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export interface ListParameters {
  readonly filter?: FilterNode;
  readonly startIndex: number;
  readonly count: number;
  readonly sortBy?: AttributePath;
  readonly sortOrder: 'ascending' | 'descending';
  readonly cursor?: string;
  readonly attributes?: string[];
  readonly excludedAttributes?: string[];
}

/** Raw parameters: query-string values (strings) or a SearchRequest body (RFC 7644 §3.4.3). */
export type RawListParameters = Record<string, unknown>;

function integer(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n))
    throw new InvalidValueError(`${name} must be an integer, found ${JSON.stringify(value)}`);
  return n;
}

function attributeList(name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : String(value).split(',');
  const names = items.map((v) => String(v).trim()).filter((v) => v !== '');
  for (const n of names) {
    if (!parseAttributePath(n) && !/^urn:/i.test(n))
      throw new InvalidValueError(`Invalid attribute name "${n}" in ${name}`);
  }
  return names;
}

/** Looks a parameter up case-insensitively: `startindex` and `startIndex` are the same parameter. */
function pick(raw: RawListParameters, name: string): unknown {
  if (name in raw) return raw[name];
  const lower = name.toLowerCase();
  const key = Object.keys(raw).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : raw[key];
}

/** Validates list/search parameters (RFC 7644 §3.4.2, cursors RFC 9865). */
export function parseListParameters(raw: RawListParameters): ListParameters {
  const filterText = pick(raw, 'filter');
  if (filterText !== undefined && typeof filterText !== 'string')
    throw new InvalidValueError('filter must be a string');
  // RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count is 0.
  const startIndex = Math.max(1, integer('startIndex', pick(raw, 'startIndex')) ?? 1);
  const count = Math.min(
    MAX_PAGE_SIZE,
    Math.max(0, integer('count', pick(raw, 'count')) ?? DEFAULT_PAGE_SIZE),
  );
  const sortByText = pick(raw, 'sortBy');
  let sortBy: AttributePath | undefined;
  if (sortByText !== undefined && sortByText !== '') {
    sortBy = typeof sortByText === 'string' ? parseAttributePath(sortByText) : undefined;
    if (!sortBy) throw new InvalidValueError(`Invalid sortBy "${String(sortByText)}"`);
  }
  const sortOrderText = pick(raw, 'sortOrder');
  let sortOrder: ListParameters['sortOrder'] = 'ascending';
  if (sortOrderText !== undefined && sortOrderText !== '') {
    const lower = String(sortOrderText).toLowerCase();
    if (lower !== 'ascending' && lower !== 'descending')
      throw new InvalidValueError(
        `sortOrder must be "ascending" or "descending", found "${String(sortOrderText)}"`,
      );
    sortOrder = lower;
  }
  const cursor = pick(raw, 'cursor');
  if (cursor !== undefined && typeof cursor !== 'string')
    throw new InvalidValueError('cursor must be a string');
  const filter = filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(filterText);
  return {
    ...(filter && { filter }),
    startIndex,
    count,
    ...(sortBy && { sortBy }),
    sortOrder,
    ...(cursor !== undefined && { cursor }),
    ...optional('attributes', attributeList('attributes', pick(raw, 'attributes'))),
    ...optional('excludedAttributes', attributeList('excludedAttributes', pick(raw, 'excludedAttributes'))),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
