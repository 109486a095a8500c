import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../urns.js';
import { type AttributeDefinition, findAttribute, type SchemaDefinition } from './attribute.js';
import { commonAttributes } from './common.js';
import { coreGroupSchema } from './core-group.js';
import { coreUserSchema } from './core-user.js';
import { enterpriseUserSchema } from './enterprise-user.js';

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceTypeDefinition {
  readonly name: ResourceTypeName;
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
}

export const userResourceType: ResourceTypeDefinition = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: coreUserSchema,
  extensions: [enterpriseUserSchema],
};

export const groupResourceType: ResourceTypeDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: coreGroupSchema,
  extensions: [],
};

export const resourceTypes: readonly ResourceTypeDefinition[] = [userResourceType, groupResourceType];
export const allSchemas: readonly SchemaDefinition[] = [
  coreUserSchema,
  enterpriseUserSchema,
  coreGroupSchema,
];

/** An attribute reference as written in a filter or PATCH path: `[uri:]name[.subAttribute]`. */
export interface AttributePath {
  /** Schema URN if the path was URN-qualified, as written. */
  readonly uri?: string;
  readonly name: string;
  readonly subAttribute?: string;
}

/** What a path refers to, with canonical spelling. `schemaUri` is undefined for core and common attributes. */
export interface ResolvedAttribute {
  /** The extension URN the attribute lives under in the JSON body; undefined for the core schema. */
  readonly extension?: string;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
}

/** Schema URN → lower-case comparison helper. */
function sameUri(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function isCoreSchema(type: ResourceTypeDefinition, uri: string): boolean {
  return sameUri(uri, type.schema.id);
}

export function findExtension(type: ResourceTypeDefinition, uri: string): SchemaDefinition | undefined {
  return type.extensions.find((e) => sameUri(e.id, uri));
}

/**
 * Resolves a path against a resource type's schemas. Unknown attributes resolve to undefined:
 * callers treat them as schemaless (stored and filtered verbatim), so extensions that the client
 * declares but we do not know still work.
 */
export function resolveAttribute(
  type: ResourceTypeDefinition,
  path: AttributePath,
): ResolvedAttribute | undefined {
  let extension: string | undefined;
  let attr: AttributeDefinition | undefined;
  if (path.uri === undefined || isCoreSchema(type, path.uri)) {
    attr = findAttribute(commonAttributes, path.name) ?? findAttribute(type.schema.attributes, path.name);
  } else {
    const ext = findExtension(type, path.uri);
    if (!ext) return undefined;
    extension = ext.id;
    attr = findAttribute(ext.attributes, path.name);
  }
  if (!attr) return undefined;
  if (path.subAttribute === undefined) return { extension, attribute: attr };
  const sub = findAttribute(attr.subAttributes, path.subAttribute);
  if (!sub) return undefined;
  return { extension, attribute: attr, subAttribute: sub };
}

/** The schema URNs this server knows for a resource type, core first. */
export function schemaUris(type: ResourceTypeDefinition): string[] {
  return [type.schema.id, ...type.extensions.map((e) => e.id)];
}

export { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA };
