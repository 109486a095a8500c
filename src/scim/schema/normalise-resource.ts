import { managerFromBareId, parseEntraBoolean, unwrapStringifiedAppRole } from '../compat/entra.js';
import { isEchoedKey } from '../compat/okta.js';
import { InvalidSyntaxError, InvalidValueError } from '../errors.js';
import { parseAttributePath } from '../filter/parse-filter.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type AttributeDefinition, findAttribute } from './attribute.js';
import { findExtension, isCoreSchema, type ResourceTypeDefinition, resolveAttribute } from './registry.js';

/** A group member as a client sent it; membership is stored as rows, never in `data`. */
export interface MemberInput {
  value: string;
  type?: 'User' | 'Group';
}

export interface NormalisedResource {
  /** Every client attribute, canonical keys; extension attributes nested under their schema URN. */
  data: JsonObject;
  /** Group only, and only when the body had a `members` key. */
  members?: MemberInput[];
}

const URN = /^urn:/i;
/** Assigning it would replace an object's prototype rather than add a key. */
const UNSAFE_KEY = '__proto__';

/**
 * The canonical form of a POST or PUT body. Known attribute names take the schema's spelling, values
 * are coerced where IdPs send the wrong JSON type (see compat/), unknown attributes are kept as sent,
 * and everything the server owns or never stores is dropped: `schemas`, `id`, `meta`, readOnly
 * attributes (`groups`), writeOnly ones (`password`), and unassigned values (null, "", [] — RFC 7643
 * §2.5; Entra never provisions nulls, reference §1.2). Throws InvalidSyntaxError / InvalidValueError.
 */
export function normaliseResource(type: ResourceTypeDefinition, body: unknown): NormalisedResource {
  if (!isObject(body)) throw new InvalidSyntaxError('The request body must be a JSON object');
  const data: JsonObject = {};
  let members: MemberInput[] | undefined;
  const visit = (key: string, value: JsonValue): void => {
    if (isEchoedKey(key) || key === UNSAFE_KEY) return;
    const qualified = URN.test(key) ? parseAttributePath(key) : undefined;
    if (
      qualified?.uri !== undefined &&
      qualified.subAttribute === undefined &&
      isCoreSchema(type, qualified.uri)
    ) {
      visit(qualified.name, value); // `urn:…:core:2.0:User:userName` is `userName`
      return;
    }
    if (type.name === 'Group' && key.toLowerCase() === 'members') {
      members = normaliseMembers(value);
    } else if (isCoreSchema(type, key)) {
      // `{"urn:…:core:2.0:User": {"userName": …}}`: core attributes written URN-qualified.
      for (const [name, inner] of Object.entries(objectOf(key, value)))
        if (inner !== undefined) visit(name, inner);
    } else {
      assignKey(type, data, key, value);
    }
  };
  for (const [key, value] of Object.entries(body)) if (value !== undefined) visit(key, value);
  checkRequiredAttributes(type, data);
  return members === undefined ? { data } : { data, members };
}

function objectOf(key: string, value: JsonValue): JsonObject {
  if (isUnassigned(value)) return {};
  if (!isObject(value)) throw new InvalidValueError(`"${key}" must be an object of attributes`);
  return value;
}

/** A top-level body key: a core attribute, an extension object, or a URN-qualified attribute. */
function assignKey(type: ResourceTypeDefinition, data: JsonObject, key: string, value: JsonValue): void {
  if (!URN.test(key)) {
    assignAttribute(type, data, undefined, key, value);
    return;
  }
  const extension = findExtension(type, key);
  if (extension) {
    for (const [name, inner] of Object.entries(objectOf(key, value))) {
      if (inner !== undefined && name !== UNSAFE_KEY) assignAttribute(type, data, extension.id, name, inner);
    }
    return;
  }
  const path = parseAttributePath(key);
  const uri = path?.uri;
  if (path && uri !== undefined && (isCoreSchema(type, uri) || findExtension(type, uri))) {
    const sub = path.subAttribute;
    assignAttribute(
      type,
      data,
      findExtension(type, uri)?.id,
      path.name,
      sub === undefined ? value : { [sub]: value },
    );
    return;
  }
  // An extension we have no schema for (Entra custom extension attributes): kept as sent.
  const kept = isObject(value) ? withoutUnassigned(value) : value;
  if (!isUnassigned(kept) && !(isObject(kept) && Object.keys(kept).length === 0)) data[key] = kept;
}

function assignAttribute(
  type: ResourceTypeDefinition,
  data: JsonObject,
  extension: string | undefined,
  name: string,
  value: JsonValue,
): void {
  const definition = resolveAttribute(type, { uri: extension, name })?.attribute;
  // RFC 7643 §2.2: readOnly values in a request are ignored; writeOnly `password` is never stored.
  if (definition && definition.mutability !== 'readWrite' && definition.mutability !== 'immutable') return;
  const label = extension === undefined ? name : `${extension}:${name}`;
  const normalised = normaliseValue(definition, value, label);
  if (normalised === undefined) return;
  let container = data;
  if (extension !== undefined) {
    const existing = data[extension];
    container = isObject(existing) ? existing : {};
    data[extension] = container;
  }
  const key = definition?.name ?? name;
  const previous = container[key];
  // A complex attribute given twice (`manager` and `…:manager.value`) merges, later keys winning.
  container[key] =
    definition?.type === 'complex' && !definition.multiValued && isObject(previous) && isObject(normalised)
      ? { ...previous, ...normalised }
      : normalised;
}

/** null and "": what Entra's null update sends (reference §1.6, M7) and RFC 7643 §2.5 calls unassigned. */
export function isUnassigned(value: unknown): value is null | undefined | '' {
  return value === null || value === undefined || value === '';
}

function withoutUnassigned(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => !isUnassigned(v)));
}

/**
 * The stored form of one attribute's value, or undefined when it amounts to "unassigned" (null, "",
 * an empty array, a complex value with nothing left). Unknown attributes (no definition) are schemaless
 * and kept verbatim. Shared with PATCH so both coerce alike. Throws InvalidValueError.
 */
export function normaliseValue(
  definition: AttributeDefinition | undefined,
  value: JsonValue,
  label: string,
): JsonValue | undefined {
  if (isUnassigned(value)) return undefined;
  if (!definition) return value;
  if (!definition.multiValued) return normaliseSingle(definition, value, label);
  // One element where an array belongs: read it as a one-element array.
  const items = Array.isArray(value) ? value : [value];
  const out: JsonValue[] = [];
  for (const item of items) {
    const element = normaliseElement(definition, item, label);
    if (element !== undefined) out.push(element);
  }
  checkSinglePrimary(out, label);
  return out.length === 0 ? undefined : out;
}

/** One element of a multi-valued attribute, or undefined when nothing of it is left. */
export function normaliseElement(
  definition: AttributeDefinition,
  item: JsonValue,
  label: string,
): JsonValue | undefined {
  if (isUnassigned(item)) return undefined;
  if (definition.type !== 'complex') return normaliseSimple(definition, item, label);
  if (!isObject(item)) throw new InvalidValueError(`Each value of "${label}" must be an object`);
  return normaliseComplex(definition, unwrapStringifiedAppRole(item), label);
}

function normaliseSingle(
  definition: AttributeDefinition,
  value: JsonValue,
  label: string,
): JsonValue | undefined {
  if (definition.type !== 'complex') return normaliseSimple(definition, value, label);
  const object = isObject(value)
    ? value
    : findAttribute(definition.subAttributes, 'value')
      ? managerFromBareId(value)
      : undefined;
  if (!object) throw new InvalidValueError(`"${label}" must be an object`);
  return normaliseComplex(definition, object, label);
}

function normaliseComplex(
  definition: AttributeDefinition,
  object: JsonObject,
  label: string,
): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(object)) {
    if (raw === undefined || key === UNSAFE_KEY) continue;
    const sub = findAttribute(definition.subAttributes, key);
    // readOnly sub-attributes (members.display, manager.displayName) are the server's to fill.
    if (sub?.mutability === 'readOnly') continue;
    const value = sub
      ? normaliseValue(sub, raw, `${label}.${sub.name}`)
      : isUnassigned(raw)
        ? undefined
        : raw;
    if (value !== undefined) out[sub?.name ?? key] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function normaliseSimple(definition: AttributeDefinition, value: JsonValue, label: string): JsonValue {
  switch (definition.type) {
    case 'boolean': {
      const b = parseEntraBoolean(value);
      if (b === undefined)
        throw new InvalidValueError(`"${label}" must be true or false, not ${JSON.stringify(value)}`);
      return b;
    }
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw new InvalidValueError(`"${label}" must be an integer`);
    case 'decimal':
      if (typeof value === 'number') return value;
      throw new InvalidValueError(`"${label}" must be a number`);
    default:
      // Stored exactly as sent (reference §1.2: "A phone number sent as 55555555555 shouldn't be saved
      // as +5 (555) 555-5555"); a number where a string belongs is the only conversion.
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      throw new InvalidValueError(`"${label}" must be a string`);
  }
}

/** RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." */
export function checkSinglePrimary(values: readonly JsonValue[], label: string): void {
  const primaries = values.filter((v) => isObject(v) && getCaseInsensitive(v, 'primary') === true).length;
  if (primaries > 1) throw new InvalidValueError(`Only one value of "${label}" can be primary`);
}

/** Required core attributes (User `userName`, Group `displayName`) must have a value. */
export function checkRequiredAttributes(type: ResourceTypeDefinition, data: JsonObject): void {
  for (const attribute of type.schema.attributes) {
    if (!attribute.required) continue;
    const value = data[attribute.name];
    if (isUnassigned(value) || (typeof value === 'string' && value.trim() === '')) {
      throw new InvalidValueError(`A ${type.name} requires "${attribute.name}"`);
    }
  }
}

/**
 * Group members as sent: `[{"value":"id","$ref":null,"display":"…","type":"User"}]`. `$ref` and
 * `display` are the server's to fill (Okta sends `display`, reference §2.2; Entra `"$ref":null`,
 * §1.3), so only `value` and `type` are kept. A single object is read as a one-element list.
 */
export function normaliseMembers(value: JsonValue): MemberInput[] {
  if (value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item): MemberInput => {
    if (!isObject(item)) throw new InvalidValueError('Each member must be an object with a "value"');
    const id = getCaseInsensitive(item, 'value');
    if (typeof id !== 'string' || id === '')
      throw new InvalidValueError('Each member needs a string "value"');
    const memberType = getCaseInsensitive(item, 'type');
    if (isUnassigned(memberType)) return { value: id };
    const lower = typeof memberType === 'string' ? memberType.toLowerCase() : undefined;
    if (lower === 'user') return { value: id, type: 'User' };
    if (lower === 'group') return { value: id, type: 'Group' };
    throw new InvalidValueError(`Member type must be "User" or "Group", not ${JSON.stringify(memberType)}`);
  });
}
