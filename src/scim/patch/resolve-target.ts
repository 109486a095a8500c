import { InvalidFilterError, InvalidPathError, MutabilityError } from '../errors.js';
import { checkFilter } from '../filter/evaluate-filter.js';
import type { FilterNode } from '../filter/filter-node.js';
import { parseAttributePath } from '../filter/parse-filter.js';
import { findKey, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type AttributeDefinition, findAttribute } from '../schema/attribute.js';
import {
  findExtension,
  isCoreSchema,
  type ResourceTypeDefinition,
  resolveAttribute,
} from '../schema/registry.js';
import { parsePatchPath } from './parse-path.js';

/** What a PATCH path (or a key of a path-less value) designates in a resource's data. */
export type Target = IgnoredTarget | ResourceTarget | ExtensionTarget | MembersTarget | AttributeTarget;

/** A writeOnly attribute (`password`), or a readOnly one named as a key of a path-less value. */
export interface IgnoredTarget {
  readonly kind: 'ignored';
}
/** The core schema URN itself: its value holds core attributes, like a path-less value. */
export interface ResourceTarget {
  readonly kind: 'resource';
}
/** A whole extension object, `urn:…:enterprise:2.0:User` (known) or a URN we have no schema for. */
export interface ExtensionTarget {
  readonly kind: 'extension';
  readonly key: string;
  readonly known: boolean;
}
/** A group's `members`, which the caller stores as rows. */
export interface MembersTarget {
  readonly kind: 'members';
  readonly filter?: FilterNode;
}
export interface AttributeTarget {
  readonly kind: 'attribute';
  /** Key of the extension object holding the attribute; undefined for core and common attributes. */
  readonly extension?: string;
  /** Canonical name when the attribute is known, else as written (schemaless). */
  readonly name: string;
  readonly definition?: AttributeDefinition;
  readonly filter?: FilterNode;
  readonly subAttribute?: string;
  readonly subDefinition?: AttributeDefinition;
  /** The path as the client wrote it, for error messages. */
  readonly label: string;
}

/**
 * `path`: the `path` of an operation, where naming a readOnly attribute is a mutability error
 * (RFC 7644 §3.5.2). `key`: a key of a path-less value, which may echo readOnly attributes back
 * (Okta's `id`, reference §2.2) and is read like a POST body, where they are ignored (RFC 7643 §2.2).
 */
export type PathSource = 'path' | 'key';

const URN = /^urn:/i;

export function resolveTarget(
  type: ResourceTypeDefinition,
  text: string,
  source: PathSource,
  value: JsonValue | undefined,
  data: JsonObject,
): Target {
  if (isCoreSchema(type, text)) return { kind: 'resource' };
  const extension = findExtension(type, text);
  if (extension) return { kind: 'extension', key: extension.id, known: true };
  if (isUnknownExtension(type, text, value, data)) {
    return { kind: 'extension', key: findKey(data, text) ?? text, known: false };
  }

  const path = parsePatchPath(text);
  const refuse = (why: string): Target => {
    if (source === 'key') return { kind: 'ignored' };
    throw new MutabilityError(`"${text}" ${why}`);
  };
  if (path.uri === undefined && path.name.toLowerCase() === 'schemas') return refuse('cannot be modified');

  const core = path.uri === undefined || isCoreSchema(type, path.uri);
  const known = core ? undefined : findExtension(type, path.uri!);
  if (!core && !known) {
    // URN-qualified attribute of an extension we have no schema for: schemaless, under that URN.
    if (path.filter)
      throw new InvalidPathError(`"${text}": a value filter needs a known multi-valued attribute`);
    return {
      kind: 'attribute',
      extension: findKey(data, path.uri!) ?? path.uri,
      name: path.name,
      ...(path.subAttribute !== undefined && { subAttribute: path.subAttribute }),
      label: text,
    };
  }

  const definition = resolveAttribute(type, { uri: known?.id, name: path.name })?.attribute;
  if (definition?.mutability === 'readOnly') return refuse('is readOnly');
  // writeOnly `password`: accepted and never stored (Okta sends passwords when sync is on, §2.1).
  if (definition?.mutability === 'writeOnly') return { kind: 'ignored' };
  if (path.filter) checkValueFilter(type, text, path.filter, definition);

  if (type.name === 'Group' && !known && definition?.name === 'members') {
    if (path.subAttribute !== undefined)
      throw new MutabilityError(`"${text}": member sub-attributes are immutable`);
    return { kind: 'members', ...(path.filter && { filter: path.filter }) };
  }

  let subDefinition: AttributeDefinition | undefined;
  if (path.subAttribute !== undefined && definition) {
    if (definition.type !== 'complex')
      throw new InvalidPathError(`"${text}": "${definition.name}" has no sub-attributes`);
    subDefinition = findAttribute(definition.subAttributes, path.subAttribute);
    if (subDefinition?.mutability === 'readOnly') return refuse('is readOnly');
  }
  return {
    kind: 'attribute',
    ...(known && { extension: known.id }),
    name: definition?.name ?? path.name,
    ...(definition && { definition }),
    ...(path.filter && { filter: path.filter }),
    ...(path.subAttribute !== undefined && { subAttribute: subDefinition?.name ?? path.subAttribute }),
    ...(subDefinition && { subDefinition }),
    label: text,
  };
}

/**
 * Whether a URN that is not an attribute of a known schema names a whole extension object: when the
 * data has one by that name, or when an object is written to it (Entra's custom extensions arrive as
 * `"urn:…:CustomExtensionName:2.0:User": {…}`). Otherwise it is read as `uri:attribute`.
 */
function isUnknownExtension(
  type: ResourceTypeDefinition,
  text: string,
  value: JsonValue | undefined,
  data: JsonObject,
): boolean {
  if (!URN.test(text) || text.includes('[')) return false;
  const uri = parseAttributePath(text)?.uri;
  if (uri !== undefined && (isCoreSchema(type, uri) || findExtension(type, uri))) return false;
  return findKey(data, text) !== undefined || isObject(value);
}

/** A value filter needs a known multi-valued attribute and must make sense for its sub-attributes. */
function checkValueFilter(
  type: ResourceTypeDefinition,
  text: string,
  filter: FilterNode,
  definition: AttributeDefinition | undefined,
): void {
  if (!definition?.multiValued) {
    throw new InvalidPathError(`"${text}": a value filter needs a known multi-valued attribute`);
  }
  try {
    checkFilter(filter, type, definition);
  } catch (error) {
    if (error instanceof InvalidFilterError) throw new InvalidPathError(`"${text}": ${error.detail}`);
    throw error;
  }
}
