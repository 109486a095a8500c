import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { JsonObject } from '../json/json-value.js';
import { renderGroup, renderUser } from '../resource/render-resource.js';
import { attribute } from '../schema/attribute.js';
import { groupResourceType, type ResourceTypeDefinition, userResourceType } from '../schema/registry.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../urns.js';
import { needsAttribute, type Projection, parseAttributeList, projectResource } from './projection.js';

const BASE = 'https://id.example.com/scim/v2/d1';
const MANAGER = { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' };

const user = renderUser(
  {
    id: '2819c223-7f76-453a-919d-413861904646',
    version: 3,
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    data: {
      externalId: 'bjensen',
      userName: 'bjensen@example.com',
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      active: true,
      password: 't1meMa$heen',
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      costCode: 'CC-17',
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '701984', department: 'Tour Operations', manager: MANAGER },
    },
  },
  BASE,
  [{ value: 'g1', display: 'Tour Guides' }],
);

const group = renderGroup(
  {
    id: 'g1',
    version: 1,
    created: '2010-01-23T04:56:22Z',
    lastModified: '2010-01-23T04:56:22Z',
    data: { displayName: 'Tour Guides' },
  },
  BASE,
  [{ value: 'u1', type: 'User', display: 'Babs' }],
);

const projectUser = (projection: Projection) => projectResource(userResourceType, user, projection);

describe('projectResource without parameters (RFC 7643 §7 "returned")', () => {
  test('returns every attribute except those returned "never" (password)', () => {
    const { password: _, ...expected } = user;
    expect(projectUser({})).toEqual(expected);
  });

  test('does not modify the resource it is given', () => {
    const before = structuredClone(user);
    projectUser({ attributes: ['name.givenName', 'emails.value'], excludedAttributes: ['meta.location'] });
    expect(user).toEqual(before);
  });
});

describe('attributes (RFC 7644 §3.4.2.5, §3.9)', () => {
  test('returns only the named attributes plus id and schemas, as in the §3.9 example', () => {
    const projected = projectUser({ attributes: ['userName'] });
    expect(projected).toEqual({ schemas: [USER_SCHEMA], id: user.id, userName: 'bjensen@example.com' });
    expect(Object.keys(projected)).toEqual(['schemas', 'id', 'userName']);
  });

  test('meta is returned "default", so it appears only when named', () => {
    expect(projectUser({ attributes: ['meta'] }).meta).toEqual(user.meta);
    expect(projectUser({ attributes: ['meta.lastModified'] }).meta).toEqual({
      lastModified: '2011-05-13T04:42:34Z',
    });
  });

  test('names are case-insensitive; the response keeps the stored spelling (RFC 7643 §2.1)', () => {
    expect(projectUser({ attributes: ['USERNAME', 'Name.GivenName'] })).toEqual({
      schemas: [USER_SCHEMA],
      id: user.id,
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara' },
    });
  });

  test('a sub-attribute of a multi-valued attribute is kept in every element', () => {
    expect(projectUser({ attributes: ['emails.value'] }).emails).toEqual([
      { value: 'bjensen@example.com' },
      { value: 'babs@jensen.org' },
    ]);
  });

  test('elements left without any named sub-attribute are dropped', () => {
    expect(projectUser({ attributes: ['emails.primary'] }).emails).toEqual([{ primary: true }]);
  });

  test('a whole multi-valued attribute is returned as it is', () => {
    expect(projectUser({ attributes: ['emails'] }).emails).toEqual(user.emails);
  });

  test('a core attribute may be URN-qualified (RFC 7644 §3.10)', () => {
    expect(projectUser({ attributes: [`${USER_SCHEMA}:name.familyName`] }).name).toEqual({
      familyName: 'Jensen',
    });
  });

  test('an extension attribute is URN-qualified and comes back inside its extension object', () => {
    expect(projectUser({ attributes: [`${ENTERPRISE_USER_SCHEMA}:department`] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: user.id,
      [ENTERPRISE_USER_SCHEMA]: { department: 'Tour Operations' },
    });
  });

  test('a sub-attribute of an extension attribute can be named', () => {
    expect(
      projectUser({ attributes: [`${ENTERPRISE_USER_SCHEMA}:manager.value`] })[ENTERPRISE_USER_SCHEMA],
    ).toEqual({
      manager: { value: MANAGER.value },
    });
  });

  test('an extension URN on its own returns the whole extension', () => {
    expect(
      projectUser({ attributes: [ENTERPRISE_USER_SCHEMA.toLowerCase()] })[ENTERPRISE_USER_SCHEMA],
    ).toEqual(user[ENTERPRISE_USER_SCHEMA]);
  });

  test('the core schema URN on its own returns the core attributes', () => {
    const projected = projectUser({ attributes: [USER_SCHEMA] });
    expect(projected.userName).toBe('bjensen@example.com');
    expect(projected[ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(projected.password).toBeUndefined();
  });

  test('an extension the projection leaves out is left out of schemas too', () => {
    expect(projectUser({ attributes: ['userName'] }).schemas).toEqual([USER_SCHEMA]);
    expect(
      projectUser({ attributes: ['userName', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`] }).schemas,
    ).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  test('an extension whose named attributes are all unset is left out with its URN', () => {
    expect(projectUser({ attributes: [`${ENTERPRISE_USER_SCHEMA}:costCenter`] })).toEqual({
      schemas: [USER_SCHEMA],
      id: user.id,
    });
  });

  test('id is returned "always", so naming only id returns id and schemas', () => {
    expect(projectUser({ attributes: ['id'] })).toEqual({ schemas: [USER_SCHEMA], id: user.id });
  });

  test('password is returned "never", even when named', () => {
    expect(projectUser({ attributes: ['password', 'userName'] }).password).toBeUndefined();
  });

  test('unknown and malformed names select nothing rather than failing', () => {
    expect(
      projectUser({ attributes: ['userName', 'doesNotExist', 'name.nonsense', 'a.b.c', 'emails[', ''] }),
    ).toEqual({
      schemas: [USER_SCHEMA],
      id: user.id,
      userName: 'bjensen@example.com',
    });
  });

  test('schemaless attributes the client stored are returned when named', () => {
    expect(projectUser({ attributes: ['costcode'] }).costCode).toBe('CC-17');
    expect(projectUser({ attributes: ['userName'] }).costCode).toBeUndefined();
  });

  test('attributes does not make groups or members appear where the caller did not render them', () => {
    const withoutMembers = renderGroup(
      { id: 'g2', version: 1, created: 'x', lastModified: 'x', data: { displayName: 'X' } },
      BASE,
    );
    expect(projectResource(groupResourceType, withoutMembers, { attributes: ['members'] })).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g2',
    });
  });
});

describe('excludedAttributes (RFC 7644 §3.4.2.5, §3.9)', () => {
  test('removes the named attributes and keeps the rest', () => {
    const projected = projectUser({ excludedAttributes: ['emails', 'META'] });
    expect(projected.emails).toBeUndefined();
    expect(projected.meta).toBeUndefined();
    expect(projected.userName).toBe('bjensen@example.com');
    expect(projected.groups).toEqual(user.groups);
  });

  test('has no effect on id (returned "always") or schemas', () => {
    const projected = projectUser({ excludedAttributes: ['id', 'schemas'] });
    expect(projected.id).toBe(user.id);
    expect(projected.schemas).toEqual(user.schemas);
  });

  test('removes a sub-attribute, and the parent when nothing is left of it', () => {
    expect(projectUser({ excludedAttributes: ['name.givenName'] }).name).toEqual({ familyName: 'Jensen' });
    expect(projectUser({ excludedAttributes: ['name.givenName', 'name.familyName'] }).name).toBeUndefined();
  });

  test('removes a sub-attribute from every element of a multi-valued attribute', () => {
    expect(projectUser({ excludedAttributes: ['emails.primary', 'emails.type'] }).emails).toEqual([
      { value: 'bjensen@example.com' },
      { value: 'babs@jensen.org' },
    ]);
  });

  test('removes an extension attribute, or the whole extension and its URN in schemas', () => {
    expect(
      projectUser({ excludedAttributes: [`${ENTERPRISE_USER_SCHEMA}:manager`] })[ENTERPRISE_USER_SCHEMA],
    ).toEqual({
      employeeNumber: '701984',
      department: 'Tour Operations',
    });
    const withoutExtension = projectUser({ excludedAttributes: [ENTERPRISE_USER_SCHEMA] });
    expect(withoutExtension[ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(withoutExtension.schemas).toEqual([USER_SCHEMA]);
  });

  test('unknown names are ignored', () => {
    const { password: _, ...expected } = user;
    expect(
      projectUser({ excludedAttributes: ['bogus', 'name.bogus', `${ENTERPRISE_USER_SCHEMA}:bogus`] }),
    ).toEqual(expected);
  });

  test('GET /Groups?excludedAttributes=members returns the group without members (M1 "Get Group")', () => {
    expect(projectResource(groupResourceType, group, { excludedAttributes: ['members'] })).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g1',
      displayName: 'Tour Guides',
      meta: group.meta,
    });
  });

  test('an empty member list is kept as an empty list', () => {
    const empty = renderGroup(
      { id: 'g2', version: 1, created: 'x', lastModified: 'x', data: { displayName: 'X' } },
      BASE,
      [],
    );
    expect(projectResource(groupResourceType, empty, {}).members).toEqual([]);
  });
});

describe('attributes and excludedAttributes together', () => {
  test('attributes selects, then excludedAttributes removes', () => {
    expect(
      projectUser({ attributes: ['name', 'emails'], excludedAttributes: ['name.familyName', 'emails'] }),
    ).toEqual({
      schemas: [USER_SCHEMA],
      id: user.id,
      name: { givenName: 'Barbara' },
    });
  });

  test('excluding the one sub-attribute that was selected leaves nothing', () => {
    expect(
      projectUser({ attributes: ['name.givenName'], excludedAttributes: ['name.givenName'] }).name,
    ).toBeUndefined();
  });
});

describe('returned "request" and sub-attribute "returned" (RFC 7643 §7)', () => {
  const EXT = 'urn:example:params:scim:schemas:extension:acme:1.0:Thing';
  const thingType: ResourceTypeDefinition = {
    name: 'User',
    endpoint: '/Users',
    description: 'a type with every kind of "returned"',
    schema: {
      id: USER_SCHEMA,
      name: 'Thing',
      description: '',
      attributes: [
        attribute('label', 'string'),
        attribute('audit', 'string', { returned: 'request' }),
        attribute('secret', 'string', { returned: 'never' }),
        attribute('key', 'complex', {
          subAttributes: [
            attribute('id', 'string', { returned: 'always' }),
            attribute('hash', 'string', { returned: 'never' }),
            attribute('note', 'string', { returned: 'request' }),
            attribute('label', 'string'),
          ],
        }),
      ],
    },
    extensions: [
      {
        id: EXT,
        name: 'Acme',
        description: '',
        attributes: [attribute('trace', 'string', { returned: 'request' })],
      },
    ],
  };
  const thing: JsonObject = {
    schemas: [USER_SCHEMA, EXT],
    id: 't1',
    label: 'L',
    audit: 'A',
    secret: 'S',
    key: { id: 'k1', hash: 'H', note: 'N', label: 'KL' },
    [EXT]: { trace: 'T' },
  };
  const project = (projection: Projection) => projectResource(thingType, thing, projection);

  test('a "request" attribute is left out unless named', () => {
    expect(project({})).toEqual({
      schemas: [USER_SCHEMA],
      id: 't1',
      label: 'L',
      key: { id: 'k1', label: 'KL' },
    });
    expect(project({ attributes: ['audit'] })).toEqual({ schemas: [USER_SCHEMA], id: 't1', audit: 'A' });
  });

  test('naming a whole schema does not count as naming its "request" attributes', () => {
    expect(project({ attributes: [EXT] })).toEqual({ schemas: [USER_SCHEMA], id: 't1' });
    expect(project({ attributes: [`${EXT}:trace`] })[EXT]).toEqual({ trace: 'T' });
  });

  test('sub-attributes follow their own "returned": always stays, never goes, request only when named', () => {
    expect(project({ attributes: ['key.label'] }).key).toEqual({ id: 'k1', label: 'KL' });
    expect(project({ attributes: ['key.note', 'key.hash'] }).key).toEqual({ id: 'k1', note: 'N' });
    expect(project({ excludedAttributes: ['key.id', 'key.label'] }).key).toEqual({ id: 'k1' });
  });

  test('a "never" attribute stays out whatever is asked', () => {
    expect(project({ attributes: ['secret'] }).secret).toBeUndefined();
  });
});

describe('needsAttribute: whether to read memberships at all', () => {
  test('members are needed by default (returned "default")', () => {
    expect(needsAttribute(groupResourceType, {}, 'members')).toBe(true);
  });

  test('excludedAttributes=members means members must not be read (M1: Entra sends it on every group GET)', () => {
    expect(needsAttribute(groupResourceType, { excludedAttributes: ['members'] }, 'members')).toBe(false);
    expect(needsAttribute(groupResourceType, { excludedAttributes: ['Members'] }, 'members')).toBe(false);
    expect(
      needsAttribute(groupResourceType, { excludedAttributes: [`${GROUP_SCHEMA}:members`] }, 'members'),
    ).toBe(false);
  });

  test('attributes that do not name members mean members are not read', () => {
    expect(needsAttribute(groupResourceType, { attributes: ['displayName'] }, 'members')).toBe(false);
    expect(needsAttribute(groupResourceType, { attributes: ['members.nonsense'] }, 'members')).toBe(false);
  });

  test('naming members, one of its sub-attributes, or the core schema needs them', () => {
    expect(needsAttribute(groupResourceType, { attributes: ['members'] }, 'members')).toBe(true);
    expect(needsAttribute(groupResourceType, { attributes: ['members.value'] }, 'members')).toBe(true);
    expect(needsAttribute(groupResourceType, { attributes: [GROUP_SCHEMA] }, 'members')).toBe(true);
    expect(needsAttribute(groupResourceType, { excludedAttributes: ['members.display'] }, 'members')).toBe(
      true,
    );
  });

  test('groups of a user follow the same rules', () => {
    expect(needsAttribute(userResourceType, {}, 'groups')).toBe(true);
    expect(needsAttribute(userResourceType, { attributes: ['userName'] }, 'groups')).toBe(false);
    expect(needsAttribute(userResourceType, { excludedAttributes: ['groups'] }, 'groups')).toBe(false);
    expect(needsAttribute(userResourceType, { attributes: ['groups.display'] }, 'groups')).toBe(true);
  });

  test('an attribute the resource type does not have is never needed', () => {
    expect(needsAttribute(groupResourceType, {}, 'groups')).toBe(false);
    expect(needsAttribute(userResourceType, {}, 'members')).toBe(false);
  });

  test('agrees with projectResource: members are read exactly when the projection returns some', () => {
    const names = fc.constantFrom(
      'members',
      'MEMBERS',
      'members.value',
      'members.display',
      'members.$ref',
      'members.type',
      'members.nonsense',
      `${GROUP_SCHEMA}:members`,
      `${GROUP_SCHEMA}:members.value`,
      GROUP_SCHEMA,
      'displayName',
      'id',
      'meta',
      'bogus',
    );
    const projection = fc.record(
      {
        attributes: fc.array(names, { maxLength: 4 }),
        excludedAttributes: fc.array(names, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(projection, (p) => {
        const projected = projectResource(groupResourceType, group, p);
        expect(needsAttribute(groupResourceType, p, 'members')).toBe(projected.members !== undefined);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseAttributeList (RFC 7644 §3.4.2.5: a comma-separated list)', () => {
  test('splits on commas and trims each name', () => {
    expect(parseAttributeList('userName, name.givenName ,emails')).toEqual([
      'userName',
      'name.givenName',
      'emails',
    ]);
  });

  test('keeps URN-qualified names whole', () => {
    expect(parseAttributeList(`${ENTERPRISE_USER_SCHEMA}:manager.value,${ENTERPRISE_USER_SCHEMA}`)).toEqual([
      `${ENTERPRISE_USER_SCHEMA}:manager.value`,
      ENTERPRISE_USER_SCHEMA,
    ]);
  });

  test('an absent, empty or blank parameter is no parameter', () => {
    expect(parseAttributeList(undefined)).toBeUndefined();
    expect(parseAttributeList('')).toBeUndefined();
    expect(parseAttributeList(' , ,')).toBeUndefined();
  });

  test('empty items between commas are dropped', () => {
    expect(parseAttributeList('userName,,emails,')).toEqual(['userName', 'emails']);
  });
});
