import { parseAttributePath } from '../filter/parse-filter.js';
import { isObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { type AttributeDefinition, findAttribute, type Returned } from '../schema/attribute.js';
import { findExtension, type ResourceTypeDefinition, resolveAttribute } from '../schema/registry.js';

/**
 * The RFC 7644 §3.4.2.5 / §3.9 `attributes` and `excludedAttributes` parameters.
 *
 * Choices where the RFC is silent or loose:
 * - Names that are unknown or malformed select nothing; they are not an error. A client asking for
 *   an attribute we do not hold gets a resource without it, as it would if the value were unset.
 *   (`parseListParameters` rejects malformed names before they get here; this module stays lenient
 *   so every caller behaves the same.)
 * - `id` (returned "always") and `schemas` are always present; `meta` is returned "default" like
 *   any other attribute, so `attributes=userName` leaves it out, as in the RFC 7644 §3.9 example.
 * - `schemas` drops the URN of an extension the projection removed entirely, so it keeps naming
 *   exactly the extensions present in the body (RFC 7643 §3: the schemas "used to define the
 *   attributes present"); the core schema URN always stays.
 * - When both parameters are given, `attributes` selects and `excludedAttributes` then removes.
 * - Unqualified names are core or common attributes (RFC 7644 §3.10); an extension attribute must be
 *   URN-qualified (`urn:…:enterprise:2.0:User:department`). A bare schema URN names the whole
 *   extension (or, for the core URN, every core attribute).
 * - Attributes the schema does not define (schemaless client data) are returned "default".
 * - A complex value left without any sub-attribute is omitted rather than returned as `{}`.
 */
export interface Projection {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

/** Splits a comma-separated parameter (`attributes=userName, emails.value`); empty means absent. */
export function parseAttributeList(param: string | undefined): string[] | undefined {
  if (param === undefined) return undefined;
  const names = param
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 ? undefined : names;
}

/** Returns the resource as the projection asks for it; the input is not modified. */
export function projectResource(
  type: ResourceTypeDefinition,
  resource: JsonObject,
  projection: Projection,
): JsonObject {
  const selection = compile(type, projection);
  const out: JsonObject = {};
  const removedExtensions = new Set<string>();
  for (const [key, value] of Object.entries(resource)) {
    if (value === undefined) continue;
    if (key.toLowerCase() === 'schemas') {
      out[key] = value;
    } else if (/^urn:/i.test(key)) {
      const projected = projectExtension(type, selection, key, value);
      if (projected === undefined) removedExtensions.add(key.toLowerCase());
      else out[key] = projected;
    } else {
      const definition = resolveAttribute(type, { name: key })?.attribute;
      const projected = applyPlan(planAttribute(selection, CORE, key, definition), value, definition);
      if (projected !== undefined) out[key] = projected;
    }
  }
  const schemas = out.schemas;
  if (Array.isArray(schemas) && removedExtensions.size > 0)
    out.schemas = schemas.filter((s) => typeof s !== 'string' || !removedExtensions.has(s.toLowerCase()));
  return out;
}

/**
 * Whether a projection returns any part of `groups` (User) or `members` (Group), so the caller can
 * skip reading memberships: `GET /Groups/{id}?excludedAttributes=members` (Entra, M1) must not.
 */
export function needsAttribute(
  type: ResourceTypeDefinition,
  projection: Projection,
  name: 'groups' | 'members',
): boolean {
  const definition = resolveAttribute(type, { name })?.attribute;
  if (!definition) return false;
  const plan = planAttribute(compile(type, projection), CORE, name, definition);
  if (plan.kind !== 'subs') return plan.kind === 'all';
  // Memberships are rendered by us with known sub-attributes only, so `members.nonsense`, or
  // excluding every sub-attribute, would project each element to nothing: no need to read them.
  return (definition.subAttributes ?? []).some((sub) =>
    keepsSubAttribute(plan, sub.name.toLowerCase(), sub.returned),
  );
}

/** `container` for core and common attributes, which sit at the top level of the resource. */
const CORE = undefined;

/** One name from a parameter, lower-cased; `whole` is the name itself, in case it is a schema URN. */
interface Selector {
  readonly whole: string;
  readonly container: string | undefined;
  readonly name: string | undefined;
  readonly subAttribute: string | undefined;
}

interface Selection {
  readonly coreUri: string;
  /** undefined: no `attributes` parameter, so everything "default" is returned. */
  readonly include: readonly Selector[] | undefined;
  readonly exclude: readonly Selector[];
}

function compile(type: ResourceTypeDefinition, projection: Projection): Selection {
  const coreUri = type.schema.id.toLowerCase();
  const selectors = (names: readonly string[]) => names.flatMap((n) => toSelector(coreUri, n));
  return {
    coreUri,
    include: projection.attributes === undefined ? undefined : selectors(projection.attributes),
    exclude: selectors(projection.excludedAttributes ?? []),
  };
}

function toSelector(coreUri: string, raw: string): Selector[] {
  const whole = raw.trim().toLowerCase();
  if (whole === '') return [];
  // `urn:…:2.0:User` parses as attribute `User` of schema `urn:…:2.0`; keeping `whole` lets the
  // same selector also match the extension object whose key is the full URN.
  const path = parseAttributePath(whole);
  const container = path?.uri === undefined || path.uri === coreUri ? CORE : path.uri;
  return [{ whole, container, name: path?.name, subAttribute: path?.subAttribute }];
}

/** How much of one attribute to return. */
type Plan =
  | { readonly kind: 'omit' }
  | { readonly kind: 'all' }
  /** Only the `include`d sub-attributes, or all but the `exclude`d ones. */
  | { readonly kind: 'subs'; readonly include?: ReadonlySet<string>; readonly exclude?: ReadonlySet<string> };

const OMIT: Plan = { kind: 'omit' };
const ALL: Plan = { kind: 'all' };

function namesContainer(s: Selector, selection: Selection, container: string | undefined): boolean {
  return s.whole === (container ?? selection.coreUri);
}
function namesAttribute(s: Selector, container: string | undefined, name: string): boolean {
  return s.container === container && s.name === name && s.subAttribute === undefined;
}
function subAttributesNamed(
  selectors: readonly Selector[],
  container: string | undefined,
  name: string,
): Set<string> {
  const subs = new Set<string>();
  for (const s of selectors)
    if (s.container === container && s.name === name && s.subAttribute) subs.add(s.subAttribute);
  return subs;
}

/** RFC 7643 §7 "returned" applied to one attribute, then the two parameters. */
function planAttribute(
  selection: Selection,
  container: string | undefined,
  attributeName: string,
  definition: AttributeDefinition | undefined,
): Plan {
  const returned: Returned = definition?.returned ?? 'default';
  if (returned === 'never') return OMIT;
  // RFC 7644 §3.9: excludedAttributes "SHALL have no effect on attributes whose schema 'returned'
  // setting is 'always'", and RFC 7643 §7: they are returned whatever `attributes` says.
  if (returned === 'always') return ALL;
  const name = attributeName.toLowerCase();
  let plan: Plan;
  const { include, exclude } = selection;
  if (include === undefined) {
    plan = returned === 'request' ? OMIT : ALL;
  } else if (include.some((s) => namesAttribute(s, container, name))) {
    plan = ALL;
  } else {
    const subs = subAttributesNamed(include, container, name);
    if (subs.size > 0) plan = { kind: 'subs', include: subs };
    // A whole schema named is not "the attribute named": "request" attributes stay out (RFC 7643 §7).
    else
      plan =
        returned !== 'request' && include.some((s) => namesContainer(s, selection, container)) ? ALL : OMIT;
  }
  if (plan.kind === 'omit') return plan;
  if (exclude.some((s) => namesAttribute(s, container, name) || namesContainer(s, selection, container)))
    return OMIT;
  const excludedSubs = subAttributesNamed(exclude, container, name);
  if (excludedSubs.size === 0) return plan;
  if (plan.kind === 'all') return { kind: 'subs', exclude: excludedSubs };
  const remaining = new Set([...(plan.include ?? [])].filter((s) => !excludedSubs.has(s)));
  return remaining.size > 0 ? { kind: 'subs', include: remaining } : OMIT;
}

/** The projected value, or undefined when nothing of it is returned. */
function applyPlan(
  plan: Plan,
  value: JsonValue,
  definition: AttributeDefinition | undefined,
): JsonValue | undefined {
  if (plan.kind === 'omit') return undefined;
  if (plan.kind === 'all' && !definition?.subAttributes) return value;
  const project = (element: JsonValue): JsonValue | undefined =>
    isObject(element)
      ? projectComplex(plan, element, definition)
      : plan.kind === 'subs' && plan.include
        ? undefined
        : element;
  if (Array.isArray(value)) {
    const elements = value.map(project).filter((e): e is JsonValue => e !== undefined);
    return elements.length > 0 || value.length === 0 ? elements : undefined;
  }
  return project(value);
}

function projectComplex(
  plan: Plan,
  value: JsonObject,
  definition: AttributeDefinition | undefined,
): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [key, sub] of Object.entries(value)) {
    if (sub === undefined) continue;
    const returned: Returned = findAttribute(definition?.subAttributes, key)?.returned ?? 'default';
    if (keepsSubAttribute(plan, key.toLowerCase(), returned)) out[key] = sub;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** RFC 7643 §7 "returned" of a sub-attribute, then the sub-attributes the parameters name. */
function keepsSubAttribute(plan: Plan, name: string, returned: Returned): boolean {
  if (returned === 'never') return false;
  if (returned === 'always') return true;
  if (plan.kind === 'subs' && plan.include) return plan.include.has(name);
  return returned !== 'request' && !(plan.kind === 'subs' && plan.exclude?.has(name));
}

/** An extension object (`"urn:…:enterprise:2.0:User": {…}`), projected attribute by attribute. */
function projectExtension(
  type: ResourceTypeDefinition,
  selection: Selection,
  key: string,
  value: JsonValue,
): JsonValue | undefined {
  const container = key.toLowerCase();
  const extension = findExtension(type, key);
  if (!isObject(value)) {
    // Not an object: nothing to look inside, so it goes or stays as a whole.
    const named = (s: Selector) => namesContainer(s, selection, container);
    const included = selection.include === undefined || selection.include.some(named);
    return included && !selection.exclude.some(named) ? value : undefined;
  }
  const out: JsonObject = {};
  for (const [name, attributeValue] of Object.entries(value)) {
    if (attributeValue === undefined) continue;
    const definition = findAttribute(extension?.attributes, name);
    const projected = applyPlan(
      planAttribute(selection, container, name, definition),
      attributeValue,
      definition,
    );
    if (projected !== undefined) out[name] = projected;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
