import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import rfcFilters from '../../../test/fixtures/rfc/rfc7644-3.4.2.2-filters.json' with { type: 'json' };
import { InvalidFilterError } from '../errors.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../urns.js';
import { and, compare, type FilterNode, formatFilter, not, or, present, valuePath } from './filter-node.js';
import { lexFilter } from './lex-filter.js';
import { MAX_FILTER_LENGTH, parseAttributePath, parseFilter } from './parse-filter.js';

const attr = (name: string, subAttribute?: string) => ({
  name,
  ...(subAttribute !== undefined && { subAttribute }),
});

function invalid(filter: string): InvalidFilterError {
  try {
    parseFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFilterError);
    return error as InvalidFilterError;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('RFC 7644 §3.4.2.2 example filters (test/fixtures/rfc/rfc7644-3.4.2.2-filters.json)', () => {
  test.each(rfcFilters.filters)('parses $filter', ({ filter, formatted }) => {
    expect(formatFilter(parseFilter(filter))).toBe(formatted);
  });

  test.each(rfcFilters.filters)(
    'formatFilter output of $filter parses back to the same tree',
    ({ filter }) => {
      const tree = parseFilter(filter);
      expect(parseFilter(formatFilter(tree))).toEqual(tree);
    },
  );

  test('the fixture holds every example of the section', () => {
    // Two case-insensitivity examples plus the seventeen in the examples list.
    expect(rfcFilters.filters).toHaveLength(19);
  });
});

describe('case-insensitive operators and keywords (RFC 7644 §3.4.2.2: "attribute operators … are case insensitive")', () => {
  test('an upper-case comparison operator is the same operator', () => {
    expect(parseFilter('userName EQ "x"')).toEqual(compare('eq', attr('userName'), 'x'));
    expect(parseFilter('title Pr')).toEqual(present(attr('title')));
  });

  test('AND, Or and Not are the logical operators whatever their case', () => {
    expect(parseFilter('title pr AND nickName pr')).toEqual(
      and(present(attr('title')), present(attr('nickName'))),
    );
    expect(parseFilter('title pr Or nickName pr')).toEqual(
      or(present(attr('title')), present(attr('nickName'))),
    );
    expect(parseFilter('Not (title pr)')).toEqual(not(present(attr('title'))));
  });

  test('true, false and null literals are accepted in any case', () => {
    expect(parseFilter('active eq TRUE')).toEqual(compare('eq', attr('active'), true));
    expect(parseFilter('active eq False')).toEqual(compare('eq', attr('active'), false));
    expect(parseFilter('title eq NULL')).toEqual(compare('eq', attr('title'), null));
  });

  test('attribute names keep their spelling; resolution is case-insensitive later', () => {
    expect(parseFilter('USERNAME eq "x"')).toEqual(compare('eq', attr('USERNAME'), 'x'));
  });
});

describe('precedence (RFC 7644 §3.4.2.2: grouping, then attribute operators, then not > and > or)', () => {
  const [a, b, c] = [present(attr('a')), present(attr('b')), present(attr('c'))];

  test('and binds tighter than or, on either side', () => {
    expect(parseFilter('a pr or b pr and c pr')).toEqual(or(a, and(b, c)));
    expect(parseFilter('a pr and b pr or c pr')).toEqual(or(and(a, b), c));
  });

  test('chains of the same operator group to the left', () => {
    expect(parseFilter('a pr and b pr and c pr')).toEqual(and(and(a, b), c));
    expect(parseFilter('a pr or b pr or c pr')).toEqual(or(or(a, b), c));
  });

  test('not applies to its parenthesised operand only', () => {
    expect(parseFilter('not (a pr) and b pr')).toEqual(and(not(a), b));
    expect(parseFilter('a pr or not (b pr or c pr)')).toEqual(or(a, not(or(b, c))));
  });

  test('parentheses override precedence', () => {
    expect(parseFilter('(a pr or b pr) and c pr')).toEqual(and(or(a, b), c));
    expect(parseFilter('((a pr))')).toEqual(a);
  });

  test('parentheses need no surrounding whitespace', () => {
    expect(parseFilter('not(a pr)and(b pr)')).toEqual(and(not(a), b));
  });
});

describe('value paths (RFC 7644 §3.4.2.2 valuePath)', () => {
  test('a value filter holds conditions on sub-attributes of one element', () => {
    expect(parseFilter('emails[type eq "work" and value co "@"]')).toEqual(
      valuePath(attr('emails'), and(compare('eq', attr('type'), 'work'), compare('co', attr('value'), '@'))),
    );
  });

  test('a value filter combines with other expressions', () => {
    expect(parseFilter('members[value eq "u1"] or displayName sw "Sales"')).toEqual(
      or(
        valuePath(attr('members'), compare('eq', attr('value'), 'u1')),
        compare('sw', attr('displayName'), 'Sales'),
      ),
    );
  });

  test('Entra\'s emails[type eq "work"].value eq … is read as one element with both conditions (reference §1.1, M1)', () => {
    expect(parseFilter('emails[type eq "work"].value eq "user@contoso.com"')).toEqual(
      valuePath(
        attr('emails'),
        and(compare('eq', attr('type'), 'work'), compare('eq', attr('value'), 'user@contoso.com')),
      ),
    );
  });

  test("Entra's form keeps working inside a larger filter and with a URN-qualified attribute", () => {
    expect(formatFilter(parseFilter('emails[type eq "work"].value eq "a@b" and userName eq "x"'))).toBe(
      '(emails[(type eq "work" and value eq "a@b")] and userName eq "x")',
    );
    const tree = parseFilter(`${USER_SCHEMA}:emails[type eq "work"].value pr`);
    expect(tree).toEqual(
      valuePath(
        { uri: USER_SCHEMA, name: 'emails' },
        and(compare('eq', attr('type'), 'work'), present(attr('value'))),
      ),
    );
  });

  test('a value path with a sub-attribute and no operator is not a filter (that is a PATCH path)', () => {
    expect(invalid('emails[type eq "work"].value').message).toMatch(/Expected an operator/);
  });

  test('after a value filter only one plain sub-attribute may follow', () => {
    expect(invalid('emails[type eq "work"].value.x eq "a"').message).toMatch(
      /Invalid sub-attribute "\.value\.x"/,
    );
  });

  test('a value filter must follow an attribute, not a sub-attribute', () => {
    expect(invalid('name.givenName[value eq "x"]').message).toMatch(/must follow an attribute/);
  });

  test('value filters cannot be nested (RFC 7644 §3.4.2.2 valFilter has no valuePath)', () => {
    expect(invalid('emails[type eq "work" and addresses[type eq "home"]]').message).toMatch(
      /cannot be nested/,
    );
  });

  test('inside a value filter paths are plain sub-attribute names (RFC 7643 §2.3.8)', () => {
    expect(invalid('emails[value.domain eq "x"]').message).toMatch(/only name sub-attributes/);
    expect(invalid(`emails[${USER_SCHEMA}:type eq "work"]`).message).toMatch(/only name sub-attributes/);
  });
});

describe('attribute paths (RFC 7644 §3.10 attribute notation)', () => {
  test('an extension attribute is qualified by its schema URN', () => {
    expect(parseFilter(`${ENTERPRISE_USER_SCHEMA}:employeeNumber eq "1"`)).toEqual(
      compare('eq', { uri: ENTERPRISE_USER_SCHEMA, name: 'employeeNumber' }, '1'),
    );
  });

  test('a core attribute may be qualified too, and its URN contains dots that are not sub-attributes', () => {
    expect(parseFilter(`${USER_SCHEMA}:name.givenName sw "J"`)).toEqual(
      compare('sw', { uri: USER_SCHEMA, name: 'name', subAttribute: 'givenName' }, 'J'),
    );
  });

  test('a qualified complex attribute may name its sub-attribute', () => {
    expect(parseFilter(`${ENTERPRISE_USER_SCHEMA}:manager.value eq "x"`)).toEqual(
      compare('eq', { uri: ENTERPRISE_USER_SCHEMA, name: 'manager', subAttribute: 'value' }, 'x'),
    );
  });

  test('parseAttributePath splits names and rejects what the ABNF does not allow', () => {
    expect(parseAttributePath('members.$ref')).toEqual({ name: 'members', subAttribute: '$ref' });
    expect(parseAttributePath('x509Certificates.value')).toEqual({
      name: 'x509Certificates',
      subAttribute: 'value',
    });
    expect(parseAttributePath('name.givenName.x')).toBeUndefined();
    expect(parseAttributePath('1name')).toBeUndefined();
    expect(parseAttributePath('name.')).toBeUndefined();
    expect(parseAttributePath(`${USER_SCHEMA}:`)).toBeUndefined();
  });

  test('an invalid attribute name is reported with its position', () => {
    expect(invalid('userName eq "x" or name.givenName.x eq "y"').message).toMatch(
      /Invalid attribute name "name\.givenName\.x" at position 20/,
    );
  });
});

describe('literals (RFC 7644 §3.4.2.2: JSON strings, numbers, true, false, null)', () => {
  test('string escapes are JSON escapes', () => {
    expect(parseFilter(String.raw`displayName eq "say \"hi\""`)).toEqual(
      compare('eq', attr('displayName'), 'say "hi"'),
    );
    expect(parseFilter(String.raw`displayName eq "Ren\u00e9e"`)).toEqual(
      compare('eq', attr('displayName'), 'Renée'),
    );
    expect(parseFilter(String.raw`displayName eq "C:\\Users"`)).toEqual(
      compare('eq', attr('displayName'), 'C:\\Users'),
    );
    expect(parseFilter(String.raw`profileUrl eq "https:\/\/x"`)).toEqual(
      compare('eq', attr('profileUrl'), 'https://x'),
    );
  });

  test('escaped strings survive formatFilter and parse back', () => {
    const tree = parseFilter(String.raw`displayName eq "a \"b\" \\ \u00e9 \t"`);
    expect(parseFilter(formatFilter(tree))).toEqual(tree);
  });

  test('brackets, parentheses and keywords inside a string are part of the string', () => {
    expect(parseFilter('displayName eq "a (b) [c] and d or e"')).toEqual(
      compare('eq', attr('displayName'), 'a (b) [c] and d or e'),
    );
  });

  test('numbers are JSON numbers', () => {
    expect(parseFilter('level eq 3')).toEqual(compare('eq', attr('level'), 3));
    expect(parseFilter('level gt -1.5')).toEqual(compare('gt', attr('level'), -1.5));
    expect(parseFilter('level lt 2e3')).toEqual(compare('lt', attr('level'), 2000));
    expect(parseFilter('level eq 0')).toEqual(compare('eq', attr('level'), 0));
  });

  test('a number too large for a double is rejected rather than read as Infinity', () => {
    expect(invalid('level gt 1e999').message).toMatch(/Number out of range at position 10/);
  });

  test('a bare word is not a value', () => {
    expect(invalid('userName eq bjensen').message).toMatch(/Expected a value .* found "bjensen"/);
  });
});

describe('whitespace', () => {
  test('runs of spaces, tabs and line breaks separate tokens like one space', () => {
    expect(parseFilter('  userName\t eq\r\n"x"  ')).toEqual(compare('eq', attr('userName'), 'x'));
  });

  test("Entra's Test Connection filter, once the HTTP layer has turned + into spaces (reference §1.1)", () => {
    // Sent as filter=userName+eq+%22cf4d78e8-…%22 (AzureAD/SCIMReferenceCode #63).
    expect(parseFilter('userName eq "cf4d78e8-2d1b-4c9a-9d0e-7a3b2f1e0c11"')).toEqual(
      compare('eq', attr('userName'), 'cf4d78e8-2d1b-4c9a-9d0e-7a3b2f1e0c11'),
    );
  });

  test('any Unicode space separates tokens; a no-break space used to hang the lexer', () => {
    expect(parseFilter('userName\u00a0eq\u2003"x"\u000band\ftitle\ufeffpr')).toEqual(
      and(compare('eq', attr('userName'), 'x'), present(attr('title'))),
    );
  });

  test('token positions count from 1 in error messages', () => {
    expect(lexFilter('a eq "x"').map((t) => t.at)).toEqual([0, 2, 5]);
    expect(invalid('a eq "x" )').message).toMatch(/Unexpected "\)" at position 10/);
  });
});

describe('invalid filters are InvalidFilterError, 400 invalidFilter (RFC 7644 §3.4.2.2, §3.12)', () => {
  test('the error carries status 400, scimType invalidFilter and the filter it was given', () => {
    const error = invalid('userName eq');
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain('in filter: userName eq');
  });

  test.each([
    ['unterminated string', 'userName eq "abc', /Unterminated string starting at position 13/],
    ['backslash at the very end', 'userName eq "abc\\', /Unterminated string/],
    ['invalid escape', String.raw`userName eq "\x41"`, /Invalid string literal at position 13/],
    ['raw control character in a string', 'userName eq "a\u0001b"', /Invalid string literal/],
    ['missing value at the end', 'userName eq', /Filter ends where a value was expected/],
    ['missing value before and', 'userName eq and title pr', /Expected a value .* found "and"/],
    ['missing operator', 'userName', /Expected an operator after the attribute/],
    ['unknown operator', 'userName like "x"', /Unknown operator "like" at position 10/],
    [
      'operator where the attribute should be',
      'eq "x"',
      /Expected an operator after the attribute at position 4/,
    ],
    ['value after pr', 'title pr "x"', /Unexpected string "x"/],
    ['dangling and', 'userName eq "x" and', /Filter ends where an expression was expected/],
    ['dangling or', 'userName eq "x" or ', /Filter ends where an expression was expected/],
    ['two expressions without a logical operator', 'title pr nickName pr', /Unexpected "nickName"/],
    ['not without parentheses', 'not title pr', /Unknown operator "title"/],
    ['unclosed parenthesis', '(userName eq "x"', /Expected "\)"/],
    ['extra closing parenthesis', 'userName eq "x")', /Unexpected "\)" at position 16/],
    ['empty parentheses', '()', /Expected an attribute name at position 2/],
    ['unclosed value filter', 'emails[type eq "work"', /Expected "\]"/],
    ['extra closing bracket', 'emails[type eq "work"]]', /Unexpected "\]"/],
    ['empty value filter', 'emails[]', /Expected an attribute name/],
    ['string where the attribute should be', '"x" eq userName', /Expected an attribute name at position 1/],
    ['empty filter', '', /Empty filter/],
    ['blank filter', ' \t ', /Empty filter/],
  ])('%s: %j', (_, filter, message) => {
    expect(invalid(filter).message).toMatch(message);
  });

  test(`a filter longer than ${MAX_FILTER_LENGTH} characters is rejected before lexing`, () => {
    const long = `userName eq "${'x'.repeat(MAX_FILTER_LENGTH)}"`;
    expect(invalid(long).message).toBe(`Filter longer than ${MAX_FILTER_LENGTH} characters`);
    expect(() => parseFilter(`userName eq "${'x'.repeat(MAX_FILTER_LENGTH - 14)}"`)).not.toThrow();
  });

  test('parentheses nested 50 deep parse; 51 deep are rejected', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
    expect(parseFilter(nested(50))).toEqual(present(attr('title')));
    expect(invalid(nested(51)).message).toMatch(/Parentheses nested deeper than 50/);
  });

  test('not (…) counts towards the nesting limit', () => {
    const nots = (depth: number) => `${'not ('.repeat(depth)}title pr${')'.repeat(depth)}`;
    expect(() => parseFilter(nots(50))).not.toThrow();
    expect(invalid(nots(51)).message).toMatch(/nested deeper than 50/);
  });

  test('a long flat chain of and/or is fine (no recursion per operand)', () => {
    const chain = Array.from({ length: 300 }, (_, i) => `a${i} pr`).join(' and ');
    expect(chain.length).toBeLessThan(MAX_FILTER_LENGTH);
    expect(formatFilter(parseFilter(chain))).toContain('a299 pr');
  });
});

describe('robustness (property-based)', () => {
  const fragments = fc.constantFrom(
    'userName',
    'emails',
    'name.givenName',
    `${ENTERPRISE_USER_SCHEMA}:manager.value`,
    '.value',
    'type',
    'eq',
    'ne',
    'co',
    'sw',
    'gt',
    'pr',
    'and',
    'or',
    'not',
    'AND',
    'Not',
    '"x"',
    '"a\\"b"',
    '"\\u00e9"',
    '"unterminated',
    '1',
    '-2.5',
    'true',
    'null',
    '(',
    ')',
    '[',
    ']',
    ' ',
    '\t',
    '\u00a0',
    '\f',
    '',
  );
  const filterish = fc.array(fragments, { maxLength: 24 }).map((parts) => parts.join(' '));

  test('any input either parses or throws InvalidFilterError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(filterish, fc.string({ unit: 'binary', maxLength: 64 })), (text) => {
        try {
          parseFilter(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidFilterError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('whatever parses, formatFilter prints as a filter that parses to the same tree', () => {
    fc.assert(
      fc.property(filterish, (text) => {
        let tree: FilterNode;
        try {
          tree = parseFilter(text);
        } catch {
          return;
        }
        expect(parseFilter(formatFilter(tree))).toEqual(tree);
      }),
      { numRuns: 2000 },
    );
  });
});
