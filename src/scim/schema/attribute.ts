/** Attribute and schema metadata (RFC 7643 §2, §7). */
export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'complex'
  | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly subAttributes?: readonly AttributeDefinition[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

/** Builds a definition with RFC 7643 §2.2 defaults, so schema files list only what differs. */
export function attribute(
  name: string,
  type: AttributeType,
  options: AttributeOptions = {},
): AttributeDefinition {
  return Object.freeze({
    name,
    type,
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  });
}

/** The sub-attributes every multi-valued complex attribute carries (RFC 7643 §2.4). */
export function multiValuedComplex(
  name: string,
  description: string,
  valueType: AttributeType,
  types: readonly string[],
  extra: readonly AttributeDefinition[] = [],
  options: AttributeOptions = {},
): AttributeDefinition {
  return attribute(name, 'complex', {
    multiValued: true,
    description,
    subAttributes: [
      attribute('value', valueType, { description: `The ${name} value.` }),
      attribute('display', 'string', {
        description: 'A human-readable name, primarily used for display purposes.',
      }),
      attribute('type', 'string', {
        description: `A label indicating the ${name}' function.`,
        canonicalValues: types,
      }),
      attribute('primary', 'boolean', { description: 'Indicates the primary or preferred value.' }),
      ...extra,
    ],
    ...options,
  });
}

/** Each list of attributes by name as written and lower-cased, the first of a name winning. */
const byName = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

function indexOf(attributes: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  let index = byName.get(attributes);
  if (!index) {
    index = new Map();
    for (const a of attributes) {
      const lower = a.name.toLowerCase();
      if (!index.has(lower)) index.set(lower, a);
    }
    for (const a of attributes) if (!index.has(a.name)) index.set(a.name, index.get(a.name.toLowerCase())!);
    byName.set(attributes, index);
  }
  return index;
}

/**
 * Finds a (sub-)attribute by name, case-insensitively (RFC 7643 §2.1). Rendering, projecting and
 * filtering ask this for every attribute of every resource, so each list is indexed once (schemas
 * are built once and never changed) and a name spelled as defined needs no lower-casing.
 */
export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  if (!attributes) return undefined;
  const index = indexOf(attributes);
  return index.get(name) ?? index.get(name.toLowerCase());
}
