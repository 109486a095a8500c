import { describe, expect, it } from 'vitest';
import { InvalidPathError } from '../errors.js';
import { and, compare, formatFilter, or } from '../filter/filter-node.js';
import { ENTERPRISE_USER_SCHEMA } from '../urns.js';
import { parsePatchPath } from './parse-path.js';

describe('parsePatchPath (RFC 7644 §3.5.2 path grammar)', () => {
  it('reads an attribute, a sub-attribute, and their URN-qualified forms', () => {
    expect(parsePatchPath('userName')).toEqual({ name: 'userName' });
    expect(parsePatchPath('name.givenName')).toEqual({ name: 'name', subAttribute: 'givenName' });
    expect(parsePatchPath(`${ENTERPRISE_USER_SCHEMA}:employeeNumber`)).toEqual({
      uri: ENTERPRISE_USER_SCHEMA,
      name: 'employeeNumber',
    });
    expect(parsePatchPath(`${ENTERPRISE_USER_SCHEMA}:manager.value`)).toEqual({
      uri: ENTERPRISE_USER_SCHEMA,
      name: 'manager',
      subAttribute: 'value',
    });
  });

  it('reads a value filter, with and without a trailing sub-attribute (Entra, reference §1.2)', () => {
    expect(parsePatchPath('members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]')).toEqual({
      name: 'members',
      filter: compare('eq', { name: 'value' }, '7f4bc1a3-285e-48ae-8202-5accb43efb0e'),
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      name: 'emails',
      filter: compare('eq', { name: 'type' }, 'work'),
      subAttribute: 'value',
    });
  });

  it('keeps the literal as written: "True" stays a string for the evaluator to read as a boolean', () => {
    expect(parsePatchPath('roles[primary eq "True"].value').filter).toEqual(
      compare('eq', { name: 'primary' }, 'True'),
    );
  });

  it('reads logical value filters and URN-qualified filtered paths', () => {
    const path = parsePatchPath(
      `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work" and (primary eq true or value ew "@x.com")].display`,
    );
    expect(path).toEqual({
      uri: 'urn:ietf:params:scim:schemas:core:2.0:User',
      name: 'emails',
      filter: and(
        compare('eq', { name: 'type' }, 'work'),
        or(compare('eq', { name: 'primary' }, true), compare('ew', { name: 'value' }, '@x.com')),
      ),
      subAttribute: 'display',
    });
    expect(formatFilter(path.filter!)).toBe('(type eq "work" and (primary eq true or value ew "@x.com"))');
  });

  it.each([
    [''],
    ['   '],
    ['emails['],
    ['emails[type eq "work"'],
    ['emails[type eq]'],
    ['emails[]'],
    ['emails[type eq "work"]value'],
    ['emails[type eq "work"].value.x'],
    ['emails[type eq "work"].urn:x:y'],
    ['emails[type eq "work"] extra'],
    ['name.givenName[value eq "x"]'],
    ['emails[addresses[type eq "x"]]'],
    ['emails[type.sub eq "work"]'],
    ['a.b.c'],
    ['1abc'],
    ['user name'],
    ['emails[type eq "work"]]'],
    ['(userName)'],
  ])('rejects %j with InvalidPathError', (text) => {
    expect(() => parsePatchPath(text)).toThrow(InvalidPathError);
  });

  it('rejects paths longer than the filter limit', () => {
    expect(() => parsePatchPath(`a${'b'.repeat(5000)}`)).toThrow(InvalidPathError);
  });
});
