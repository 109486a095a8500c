import { InvalidValueError } from '../scim/errors.js';
import { isPresent } from '../scim/filter/evaluate-filter.js';
import { parseAttributePath } from '../scim/filter/parse-filter.js';
import { getCaseInsensitive, isObject, type JsonObject, type JsonValue } from '../scim/json/json-value.js';
import { attribute, type SchemaDefinition } from '../scim/schema/attribute.js';
import { type ResourceTypeDefinition, userResourceType } from '../scim/schema/registry.js';
import type { AttributeProfile, CustomExtension } from './directory-settings.js';

function schemaOf(extension: CustomExtension): SchemaDefinition {
  return {
    id: extension.schema,
    name: extension.name,
    description: extension.description ?? '',
    attributes: extension.attributes.map((a) =>
      attribute(a.name, a.type, {
        multiValued: a.multiValued ?? false,
        required: a.required ?? false,
        caseExact: a.caseExact ?? false,
        description: a.description ?? '',
        ...(a.canonicalValues && { canonicalValues: a.canonicalValues }),
      }),
    ),
  };
}

const typeCache = new WeakMap<AttributeProfile, ResourceTypeDefinition>();

/**
 * The User resource type of a directory: the standard one plus the custom extensions its profile
 * declares, so they are typed on input (booleans "True", numbers) and listed in /Schemas.
 */
export function userTypeFor(profile: AttributeProfile): ResourceTypeDefinition {
  if (profile.extensions.length === 0) return userResourceType;
  let type = typeCache.get(profile);
  if (!type) {
    type = {
      ...userResourceType,
      extensions: [...userResourceType.extensions, ...profile.extensions.map(schemaOf)],
    };
    typeCache.set(profile, type);
  }
  return type;
}

function valuesAt(data: JsonObject, path: string): JsonValue[] {
  const parsed = parseAttributePath(path);
  if (!parsed) return [];
  const container = parsed.uri === undefined ? data : getCaseInsensitive(data, parsed.uri);
  if (!isObject(container)) return [];
  const top = getCaseInsensitive(container, parsed.name);
  if (parsed.subAttribute === undefined) return top === undefined ? [] : [top];
  const items = Array.isArray(top) ? top : [top];
  return items.flatMap((item) => {
    if (!isObject(item)) return [];
    const v = getCaseInsensitive(item, parsed.subAttribute!);
    return v === undefined ? [] : [v];
  });
}

/** Refuses a user that lacks an attribute the directory's profile requires. */
export function checkProfile(data: JsonObject, profile: AttributeProfile): void {
  const required = [
    ...profile.required,
    ...profile.extensions.flatMap((e) =>
      e.attributes.filter((a) => a.required).map((a) => `${e.schema}:${a.name}`),
    ),
  ];
  const missing = required.filter((path) => !valuesAt(data, path).some(isPresent));
  if (missing.length > 0)
    throw new InvalidValueError(
      `This directory requires ${missing.join(', ')}; the request leaves ${missing.length > 1 ? 'them' : 'it'} empty`,
    );
}
