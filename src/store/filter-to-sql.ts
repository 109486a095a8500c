import { type Expression, type SqlBool, sql } from 'kysely';
import { InvalidFilterError } from '../scim/errors.js';
import {
  checkFilter,
  comparisonType,
  describeTopLevel,
  normaliseLiteral,
} from '../scim/filter/evaluate-filter.js';
import type { CompareOperator, FilterNode, FilterValue } from '../scim/filter/filter-node.js';
import { type AttributeDefinition, findAttribute } from '../scim/schema/attribute.js';
import {
  type AttributePath,
  findExtension,
  groupResourceType,
  isCoreSchema,
  type ResourceTypeDefinition,
  type ResourceTypeName,
  resolveAttribute,
  userResourceType,
} from '../scim/schema/registry.js';
import type { DialectName } from './dialects/dialect.js';
import type { Scope } from './ports.js';
import {
  type Bool,
  type FilterDialect,
  filterDialect,
  type JsonSql,
  type Sql,
} from './sql/filter-dialect.js';

export interface CompileOptions {
  /**
   * The SCIM base URL the resources are rendered under. `meta.location` and `$ref` are built from
   * it, so comparing them needs it; `pr` on them does not.
   */
  readonly baseUrl?: string;
}

/**
 * Compiles a filter into a predicate over `users` (resource 'User') or `groups` ('Group'),
 * selecting exactly the rows whose rendered resource `evaluateFilter` accepts. The predicate is
 * always TRUE or FALSE, never NULL, so it can sit under `not`. The caller constrains the outer
 * table to the scope; subqueries on the other tables are constrained here.
 *
 * Indexed columns serve what IdPs send: userName, externalId, displayName, id, emails (through
 * user_emails) and members/groups (through group_members). The rest reads the JSON `data`.
 */
export function compileFilter(
  resource: ResourceTypeName,
  filter: FilterNode,
  scope: Scope,
  dialect: DialectName,
  options: CompileOptions = {},
): Expression<SqlBool> {
  const type = resourceTypeOf(resource);
  checkFilter(filter, type);
  return new FilterCompiler(type, scope, filterDialect(dialect), options).compile(filter);
}

/**
 * An expression to order `users` or `groups` by (RFC 7644 §3.4.2.3): the `*_key` column for
 * case-insensitive indexed attributes, for multi-valued attributes the primary value else the
 * first, else the JSON value (lower-cased unless caseExact). NULL for resources without a value;
 * SQLite sorts NULL first and Postgres last, so callers say where NULLs go.
 */
export function compileSortKey(
  resource: ResourceTypeName,
  path: AttributePath,
  dialect: DialectName,
): Expression<unknown> {
  // A sort key reads only the resource's own row, so no subquery needs a scope.
  const unscoped: Scope = { tenantId: '', directoryId: '' };
  return new FilterCompiler(resourceTypeOf(resource), unscoped, filterDialect(dialect), {}).sortKey(path);
}

/**
 * The case-folded key of `userName eq "…"` on users or `displayName eq "…"` on groups: what IdPs
 * ask before every create, answered by a unique index on the `*_key` column. The store serves these
 * with a prepared query (kysely/hot-queries.ts) instead of compiling the filter; the key is the
 * literal folded as compileFilter folds it. Undefined for every other filter.
 */
export function uniqueKeyOf(resource: ResourceTypeName, filter: FilterNode): string | undefined {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') return undefined;
  const { path } = filter;
  if (path.subAttribute !== undefined) return undefined;
  const type = resourceTypeOf(resource);
  if (path.uri !== undefined && !isCoreSchema(type, path.uri)) return undefined;
  const definition = resolveAttribute(type, path)?.attribute;
  const keyed = resource === 'User' ? 'userName' : 'displayName';
  if (definition?.name !== keyed || definition.caseExact) return undefined;
  return normaliseLiteral('eq', filter.value, 'string', false) as string;
}

function resourceTypeOf(resource: ResourceTypeName): ResourceTypeDefinition {
  return resource === 'User' ? userResourceType : groupResourceType;
}

const TRUE = sql<SqlBool>`true`;
const FALSE = sql<SqlBool>`false`;
const and = (a: Bool, b: Bool) => sql<SqlBool>`(${a} and ${b})`;
const or = (a: Bool, b: Bool) => sql<SqlBool>`(${a} or ${b})`;
const not = (a: Bool) => sql<SqlBool>`(not ${a})`;

/** One value of an attribute as SQL. */
type SqlValue =
  /**
   * A string column or expression, SQL NULL when absent. `folded`: already lower-cased (a `*_key`
   * column). `rangeIndexed`: an indexed column holding ids as sent, whose case-insensitive `eq`
   * is written as a range the index can serve.
   */
  | {
      readonly kind: 'text';
      readonly sql: Sql;
      readonly nullable: boolean;
      readonly folded?: boolean;
      readonly rangeIndexed?: boolean;
    }
  | { readonly kind: 'json'; readonly json: JsonSql }
  /** A value built from rows (a membership, meta): never equal to a literal, present when `present`. */
  | { readonly kind: 'object'; readonly present: Bool }
  /** A URL built from the base URL (meta.location, $ref) when none was given: always present, not comparable. */
  | { readonly kind: 'link'; readonly what: string }
  | { readonly kind: 'none' };

type Test = (value: SqlValue) => Bool;

const NONE: SqlValue = { kind: 'none' };
const text = (
  expr: Sql,
  nullable: boolean,
  extra: { folded?: boolean; rangeIndexed?: boolean } = {},
): SqlValue => ({
  kind: 'text',
  sql: expr,
  nullable,
  ...extra,
});

/** An element of a multi-valued attribute, or the one value of a single-valued attribute. */
interface Element {
  /** The element itself: what `attr pr` and `attr op x` (simple attributes) look at. */
  readonly self: SqlValue;
  /** The sub-attribute as a value filter (`attr[name op x]`) sees it: one value, arrays not flattened. */
  member(name: string): SqlValue;
  /** Whether any value of the sub-attribute passes `test`, arrays flattened (`attr.name op x`). */
  some(name: string, test: Test): Bool;
}

/** Whether any element passes `predicate`. */
type Elements = (predicate: (element: Element) => Bool) => Bool;

interface AttributeSource {
  /** The attribute's definition, undefined when schemaless. */
  readonly definition: AttributeDefinition | undefined;
  readonly elements: Elements;
  /** A column holding the single value, preferred to `elements` for `attr op x`. */
  readonly column?: SqlValue;
  /** User emails: `user_emails` can answer filters that need a string value. */
  readonly emailIndex?: boolean;
  /** Where the attribute lives in `data`, when it does. */
  readonly jsonKeys?: readonly string[];
  /** Computed attributes whose sort key is not in `data`. */
  readonly sort?: 'meta' | 'schemas';
}

const EMAIL_INDEX_MEMBERS = new Set(['value', 'type', 'display']);

function canonicalSub(parent: AttributeDefinition | undefined, name: string): string {
  return findAttribute(parent?.subAttributes, name)?.name ?? name;
}

/** ASCII upper case only, matching SQLite's lower() which folds ASCII only. */
function asciiUpper(value: string): string {
  return value.replace(/[a-z]/g, (c) => c.toUpperCase());
}

class FilterCompiler {
  private aliases = 0;
  private readonly table: 'users' | 'groups';

  constructor(
    private readonly type: ResourceTypeDefinition,
    private readonly scope: Scope,
    private readonly d: FilterDialect,
    private readonly options: CompileOptions,
  ) {
    this.table = type.name === 'User' ? 'users' : 'groups';
  }

  compile(node: FilterNode): Bool {
    switch (node.kind) {
      case 'and':
        return and(this.compile(node.left), this.compile(node.right));
      case 'or':
        return or(this.compile(node.left), this.compile(node.right));
      case 'not':
        return not(this.compile(node.operand));
      case 'present':
        return this.some(node.path, false, (v) => this.present(v));
      case 'compare': {
        if (node.value === null) {
          const present = this.some(node.path, false, (v) => this.present(v));
          return node.op === 'eq' ? not(present) : present;
        }
        const definition = describeTopLevel(this.type, node.path);
        if (node.op === 'ne')
          return not(this.some(node.path, true, this.comparison('eq', node.value, definition)));
        return this.some(node.path, true, this.comparison(node.op, node.value, definition));
      }
      case 'valuePath':
        return this.valuePath(node.path, node.filter);
    }
  }

  /** Whether any value `path` denotes passes `test` (the evaluator's readPath). */
  private some(path: AttributePath, implicitValue: boolean, test: Test): Bool {
    const source = this.source(path);
    const sub =
      path.subAttribute ?? (implicitValue && source.definition?.type === 'complex' ? 'value' : undefined);
    if (sub === undefined) return source.column ? test(source.column) : source.elements((e) => test(e.self));
    if (source.emailIndex && sub.toLowerCase() === 'value')
      return this.emailIndex((e) => test(e.member('value')));
    return source.elements((e) => e.some(sub, test));
  }

  private valuePath(path: AttributePath, filter: FilterNode): Bool {
    const source = this.source(path);
    const parent = source.definition;
    const exact = () => source.elements((e) => this.compileElement(filter, e, parent));
    if (!source.emailIndex) return exact();
    if (indexable(filter)) return this.emailIndex((e) => this.compileElement(filter, e, parent));
    // Still let the index find the candidates, and check the whole filter on the JSON.
    const narrowing = conjuncts(filter).find(indexable);
    return narrowing
      ? and(
          this.emailIndex((e) => this.compileElement(narrowing, e, parent)),
          exact(),
        )
      : exact();
  }

  /** A value filter over one element (the evaluator's matchesElement). */
  private compileElement(node: FilterNode, element: Element, parent: AttributeDefinition | undefined): Bool {
    switch (node.kind) {
      case 'and':
        return and(
          this.compileElement(node.left, element, parent),
          this.compileElement(node.right, element, parent),
        );
      case 'or':
        return or(
          this.compileElement(node.left, element, parent),
          this.compileElement(node.right, element, parent),
        );
      case 'not':
        return not(this.compileElement(node.operand, element, parent));
      case 'present':
        return this.present(element.member(node.path.name));
      case 'compare': {
        const value = element.member(node.path.name);
        if (node.value === null) return node.op === 'eq' ? not(this.present(value)) : this.present(value);
        const definition = findAttribute(parent?.subAttributes, node.path.name);
        if (node.op === 'ne') return not(this.comparison('eq', node.value, definition)(value));
        return this.comparison(node.op, node.value, definition)(value);
      }
      case 'valuePath':
        throw new InvalidFilterError('Value filters cannot be nested');
    }
  }

  // ---- where values come from ----

  private source(path: AttributePath): AttributeSource {
    const definition = resolveAttribute(this.type, { ...path, subAttribute: undefined })?.attribute;
    if (path.uri !== undefined && !isCoreSchema(this.type, path.uri)) {
      const jsonKeys = [findExtension(this.type, path.uri)?.id ?? path.uri, definition?.name ?? path.name];
      return { definition, elements: this.jsonElements(jsonKeys, definition), jsonKeys };
    }
    const name = definition?.name ?? path.name;
    const data = { definition, elements: this.jsonElements([name], definition), jsonKeys: [name] };
    const t = this.table;
    switch (definition ? name : name.toLowerCase()) {
      case 'id': {
        const id = text(this.ref('id'), false);
        return { definition, column: id, elements: (p) => p(this.scalarElement(id)) };
      }
      case 'meta':
        return { definition, elements: (p) => p(this.metaElement(definition)), sort: 'meta' };
      case 'schemas':
        return { definition, elements: this.schemaElements(), sort: 'schemas' };
      case 'externalId':
        return { ...data, column: text(this.ref('external_id'), true) };
      case 'displayName':
        return { ...data, column: text(this.ref('display_name_key'), t === 'users', { folded: true }) };
      case 'userName':
        return t === 'users'
          ? { ...data, column: text(this.ref('user_name_key'), false, { folded: true }) }
          : data;
      case 'emails':
        return t === 'users' ? { ...data, emailIndex: true } : data;
      case 'groups':
        return t === 'users' && definition ? { definition, elements: this.groupsOfUser() } : data;
      case 'members':
        return t === 'groups' && definition ? { definition, elements: this.membersOfGroup() } : data;
      default:
        return data;
    }
  }

  private ref(column: string): Sql {
    return sql.ref(`${this.table}.${column}`);
  }

  private alias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }

  /** Elements of the JSON at `keys` in `data`, as the evaluator reads the rendered resource. */
  private jsonElements(keys: readonly string[], parent: AttributeDefinition | undefined): Elements {
    return (predicate) => {
      const { from, element } = this.d.elements(this.d.document(this.ref('data')), keys, this.alias('e'));
      return sql<SqlBool>`exists (select 1 from ${from} where ${predicate(this.jsonElement(element, parent))})`;
    };
  }

  private jsonElement(value: JsonSql, parent: AttributeDefinition | undefined): Element {
    const d = this.d;
    return {
      self: { kind: 'json', json: value },
      member: (name) => {
        const inner = d.member(d.objectDoc(value), [canonicalSub(parent, name)]);
        // A multi-valued attribute of simple values is filtered on the element itself as "value".
        if (parent?.type !== 'complex' && name.toLowerCase() === 'value')
          return { kind: 'json', json: d.whenObject(value, inner, value) };
        return { kind: 'json', json: inner };
      },
      some: (name, test) => {
        const { from, element } = d.elements(
          d.objectDoc(value),
          [canonicalSub(parent, name)],
          this.alias('e'),
        );
        return sql<SqlBool>`exists (select 1 from ${from} where ${test({ kind: 'json', json: element })})`;
      },
    };
  }

  /** A simple value (id, a schema URN): filtered on as "value", without sub-attributes. */
  private scalarElement(value: SqlValue): Element {
    return {
      self: value,
      member: (name) => (name.toLowerCase() === 'value' ? value : NONE),
      some: () => FALSE,
    };
  }

  /** An element whose sub-attributes are columns; unknown sub-attributes have no value. */
  private rowElement(
    parent: AttributeDefinition | undefined,
    members: Record<string, () => SqlValue>,
  ): Element {
    const member = (name: string) => members[canonicalSub(parent, name)]?.() ?? NONE;
    return { self: { kind: 'object', present: TRUE }, member, some: (name, test) => test(member(name)) };
  }

  private metaElement(definition: AttributeDefinition | undefined): Element {
    const endpoint = this.type.endpoint;
    return this.rowElement(definition, {
      resourceType: () => text(this.d.constant(this.type.name), false),
      created: () => text(this.ref('created_at'), false),
      lastModified: () => text(this.ref('updated_at'), false),
      location: () =>
        this.link('meta.location', (base) => sql`${base} || ${`${endpoint}/`} || ${this.ref('id')}`),
      version: () => text(sql`'W/"' || ${this.ref('version')} || '"'`, false),
    });
  }

  /** `schemas`: the core schema, then every extension URN that is a key of `data` (renderUser). */
  private schemaElements(): Elements {
    return (predicate) => {
      const core = predicate(this.scalarElement(text(this.d.constant(this.type.schema.id), false)));
      const { from, key } = this.d.keys(this.d.document(this.ref('data')), this.alias('k'));
      const extension = predicate(this.scalarElement(text(key, false)));
      return or(
        core,
        sql<SqlBool>`exists (select 1 from ${from} where lower(substr(${key}, 1, 4)) = 'urn:' and ${extension})`,
      );
    };
  }

  /** A user's `groups`: as UserRepository.groupsOf reads them (rows joined to the group). */
  private groupsOfUser(): Elements {
    const parent = resolveAttribute(this.type, { name: 'groups' })?.attribute;
    return (predicate) => {
      const element = this.rowElement(parent, {
        value: () => text(sql.ref('gm.group_id'), false, { rangeIndexed: true }),
        display: () => text(sql.ref('g.display_name_key'), false, { folded: true }),
        type: () => text(this.d.constant('direct'), false),
        $ref: () =>
          this.link('groups.$ref', (base) => sql`${base} || '/Groups/' || ${sql.ref('gm.group_id')}`),
      });
      const where = predicate(element);
      return this.ownersWhere(
        sql`"group_members" as "gm" inner join "groups" as "g" on "g"."tenant_id" = "gm"."tenant_id" and "g"."directory_id" = "gm"."directory_id" and "g"."id" = "gm"."group_id"`,
        sql`"gm"."member_id"`,
        sql`"gm"`,
        where,
      );
    };
  }

  /** A group's `members`, with display as GroupRepository.members shows it. */
  private membersOfGroup(): Elements {
    const parent = resolveAttribute(this.type, { name: 'members' })?.attribute;
    return (predicate) => {
      let joinNames = false;
      const element = this.rowElement(parent, {
        value: () => text(sql.ref('gm.member_id'), false, { rangeIndexed: true }),
        type: () => text(sql.ref('gm.member_type'), false),
        display: () => {
          joinNames = true;
          return text(
            sql`(case when "gm"."member_type" = 'User' then coalesce("mu"."display_name_key", "mu"."user_name_key") else "mg"."display_name_key" end)`,
            true,
            { folded: true },
          );
        },
        $ref: () =>
          this.link(
            'members.$ref',
            (base) =>
              sql`${base} || (case when "gm"."member_type" = 'User' then '/Users/' else '/Groups/' end) || "gm"."member_id"`,
          ),
      });
      const where = predicate(element);
      const names = sql` left join "users" as "mu" on "mu"."tenant_id" = "gm"."tenant_id" and "mu"."directory_id" = "gm"."directory_id" and "mu"."id" = "gm"."member_id" left join "groups" as "mg" on "mg"."tenant_id" = "gm"."tenant_id" and "mg"."directory_id" = "gm"."directory_id" and "mg"."id" = "gm"."member_id"`;
      return this.ownersWhere(
        sql`"group_members" as "gm"${joinNames ? names : sql``}`,
        sql`"gm"."group_id"`,
        sql`"gm"`,
        where,
      );
    };
  }

  /**
   * Emails through `user_emails`, one row per email with a string value. Exact for filters that
   * only match an email with a string value and compare value, type or display, which the
   * `indexable` check and `emails.value` guarantee.
   */
  private emailIndex(predicate: (element: Element) => Bool): Bool {
    const parent = resolveAttribute(this.type, { name: 'emails' })?.attribute;
    const element = this.rowElement(parent, {
      value: () => text(sql.ref('ue.value_key'), false, { folded: true }),
      type: () => text(sql.ref('ue.type_key'), true, { folded: true }),
      display: () => text(sql.ref('ue.display_key'), true, { folded: true }),
    });
    return this.ownersWhere(sql`"user_emails" as "ue"`, sql`"ue"."user_id"`, sql`"ue"`, predicate(element));
  }

  /**
   * The resources owning a row of `rows` (an email, a membership) that passes `where`. The IN list
   * holds `seq` (SQLite's rowid), which it yields in order: a page query ordered by seq then reads
   * the few matching rows instead of walking the directory in seq order, as SQLite plans an IN of
   * ids without table statistics.
   */
  private ownersWhere(rows: Sql, ownerId: Sql, alias: Sql, where: Bool): Bool {
    const table = sql.table(this.table);
    return sql<SqlBool>`${this.ref('seq')} in (select "owner"."seq" from ${rows} inner join ${table} as "owner" on "owner"."tenant_id" = ${alias}."tenant_id" and "owner"."directory_id" = ${alias}."directory_id" and "owner"."id" = ${ownerId} where ${alias}."tenant_id" = ${this.scope.tenantId} and ${alias}."directory_id" = ${this.scope.directoryId} and ${where})`;
  }

  private link(what: string, build: (baseUrl: string) => Sql): SqlValue {
    return this.options.baseUrl === undefined
      ? { kind: 'link', what }
      : text(build(this.options.baseUrl), false);
  }

  // ---- tests on one value ----

  private present(value: SqlValue): Bool {
    switch (value.kind) {
      case 'text':
        return value.nullable
          ? sql<SqlBool>`(${value.sql} is not null and ${value.sql} <> '')`
          : sql<SqlBool>`${value.sql} <> ''`;
      case 'json':
        return this.d.isPresent(value.json, this.alias('n'));
      case 'object':
        return value.present;
      case 'link':
        return TRUE;
      case 'none':
        return FALSE;
    }
  }

  /** The evaluator's compareValue for one operator and literal, as SQL over a value. */
  private comparison(
    op: CompareOperator,
    literal: Exclude<FilterValue, null>,
    definition: AttributeDefinition | undefined,
  ): Test {
    const type = comparisonType(definition, literal);
    const caseExact = definition?.caseExact ?? false;
    const expected = normaliseLiteral(op, literal, type, caseExact);
    const d = this.d;
    return (value) => {
      if (value.kind === 'link')
        throw new InvalidFilterError(`Comparing ${value.what} needs the base URL; it is not supported here`);
      if (value.kind === 'none' || value.kind === 'object') return FALSE;
      switch (type) {
        case 'boolean': {
          const word = expected ? 'true' : 'false';
          if (value.kind === 'text') return this.guard(value, sql<SqlBool>`lower(${value.sql}) = ${word}`);
          const v = value.json;
          return sql<SqlBool>`(${d.isBoolean(v, expected as boolean)} or (case when ${d.isString(v)} then lower(${d.text(v)}) = ${word} else false end))`;
        }
        case 'integer':
        case 'decimal': {
          const operator = OPERATOR_SQL[op];
          if (!operator) throw new Error(`Operator ${op} on numbers`);
          if (value.kind === 'text') return FALSE;
          const v = value.json;
          return sql<SqlBool>`(case when ${d.isNumber(v)} then ${d.number(v)} ${operator} ${expected} else false end)`;
        }
        default: {
          // dateTime literals are already ISO (normaliseLiteral) and stored times are toISOString().
          const fold = (type === 'string' || type === 'reference') && !caseExact;
          const s = expected as string;
          if (value.kind === 'json') {
            const raw = d.text(value.json);
            return sql<SqlBool>`(case when ${d.isString(value.json)} then ${this.textTest(fold ? sql`lower(${raw})` : raw, op, s)} else false end)`;
          }
          if (fold && !value.folded && value.rangeIndexed && op === 'eq')
            return sql<SqlBool>`(${value.sql} between ${asciiUpper(s)} and ${s} and lower(${value.sql}) = ${s})`;
          if (value.folded && !fold)
            throw new Error('A case-folded column cannot answer a case-exact comparison');
          return this.guard(
            value,
            this.textTest(fold && !value.folded ? sql`lower(${value.sql})` : value.sql, op, s),
          );
        }
      }
    };
  }

  private guard(value: SqlValue & { kind: 'text' }, test: Bool): Bool {
    return value.nullable ? sql<SqlBool>`(${value.sql} is not null and ${test})` : test;
  }

  private textTest(subject: Sql, op: CompareOperator, literal: string): Bool {
    switch (op) {
      case 'eq':
        return sql<SqlBool>`${subject} = ${literal}`;
      case 'co':
      case 'sw':
      case 'ew':
        // Every string contains, starts and ends with "" (and SQLite's substr(x, -0) is all of x).
        if (literal === '') return TRUE;
        if (op === 'co') return this.d.contains(subject, literal);
        return op === 'sw' ? this.d.startsWith(subject, literal) : this.d.endsWith(subject, literal);
      case 'ne':
        throw new Error('ne is compiled as not eq');
      default:
        return this.d.order(subject, op, literal);
    }
  }

  // ---- sorting ----

  sortKey(path: AttributePath): Sql {
    const source = this.source(path);
    const definition = describeTopLevel(this.type, path);
    const fold = (definition?.type ?? 'string') === 'string' && !(definition?.caseExact ?? false);
    const sub = path.subAttribute ?? (source.definition?.type === 'complex' ? 'value' : undefined);
    const key = (value: SqlValue): Sql => {
      if (value.kind === 'text')
        return this.d.sortText(fold && !value.folded ? sql`lower(${value.sql})` : value.sql);
      if (value.kind !== 'json') return sql`null`;
      if (fold) return this.d.sortText(sql`lower(${this.d.text(value.json)})`);
      return definition?.type === 'string' || definition?.type === 'dateTime'
        ? this.d.sortText(this.d.text(value.json))
        : value.json.value;
    };
    if (sub === undefined && source.column) return key(source.column);
    // Versions order as numbers; their "W/\"n\"" strings would put 10 before 9.
    if (source.sort === 'meta' && sub?.toLowerCase() === 'version') return this.ref('version');
    if (source.sort === 'meta' && sub !== undefined)
      return key(this.metaElement(source.definition).member(sub));
    if (source.sort === 'schemas') return key(text(this.d.constant(this.type.schema.id), false));
    if (source.jsonKeys === undefined) return sql`null`;
    const doc = this.d.document(this.ref('data'));
    if (!source.definition?.multiValued) {
      const keys =
        sub === undefined ? source.jsonKeys : [...source.jsonKeys, canonicalSub(source.definition, sub)];
      return key({ kind: 'json', json: this.d.member(doc, keys) });
    }
    // Multi-valued: the primary element, else the first (RFC 7644 §3.4.2.3).
    const { from, element, ordinal } = this.d.elements(doc, source.jsonKeys, this.alias('e'));
    const e = this.jsonElement(element, source.definition);
    const primary = e.member('primary');
    const isPrimary = primary.kind === 'json' ? this.d.isBoolean(primary.json, true) : FALSE;
    const value = key(sub === undefined ? e.self : e.member(sub));
    return sql`(select ${value} from ${from} order by (case when ${isPrimary} then 0 else 1 end), ${ordinal} limit 1)`;
  }
}

/** Numbers: normaliseLiteral has already rejected co/sw/ew, and ne is compiled as not eq. */
const OPERATOR_SQL: Partial<Record<CompareOperator, Sql>> = {
  eq: sql`=`,
  gt: sql`>`,
  ge: sql`>=`,
  lt: sql`<`,
  le: sql`<=`,
};

/** The top-level conjuncts of a filter (`a and (b and c)` → a, b, c). */
function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

/**
 * Whether `user_emails` answers a value filter exactly: it names only value, type and display,
 * and no email without a string value can match it (those emails have no index row).
 */
function indexable(node: FilterNode): boolean {
  return namesOnly(node, EMAIL_INDEX_MEMBERS) && needsValue(node);
}

function namesOnly(node: FilterNode, names: ReadonlySet<string>): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return namesOnly(node.left, names) && namesOnly(node.right, names);
    case 'not':
      return namesOnly(node.operand, names);
    case 'valuePath':
      return false;
    default:
      return names.has(node.path.name.toLowerCase());
  }
}

function needsValue(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return needsValue(node.left) || needsValue(node.right);
    case 'or':
      return needsValue(node.left) && needsValue(node.right);
    case 'not':
    case 'valuePath':
      return false;
    case 'present':
      return node.path.name.toLowerCase() === 'value';
    case 'compare':
      return node.path.name.toLowerCase() === 'value' && node.value !== null && node.op !== 'ne';
  }
}
