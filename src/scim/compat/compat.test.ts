import { describe, expect, it } from 'vitest';
import { managerFromBareId, parseEntraBoolean, unwrapStringifiedAppRole } from './entra.js';
import { isEchoedKey } from './okta.js';

describe('Entra quirks (reference §1.4–§1.6)', () => {
  it('parseEntraBoolean reads booleans and "True"/"False" in any case, nothing else', () => {
    expect([true, false, 'True', 'False', 'true', 'FALSE'].map(parseEntraBoolean)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(['yes', '', 1, 0, null, ' true'].map((v) => parseEntraBoolean(v))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('managerFromBareId wraps a string or number id, and nothing else', () => {
    expect(managerFromBareId('271')).toEqual({ value: '271' });
    expect(managerFromBareId(271)).toEqual({ value: 271 });
    expect(managerFromBareId(true)).toBeUndefined();
    expect(managerFromBareId(['271'])).toBeUndefined();
  });

  it('unwrapStringifiedAppRole takes the inner value and displayName, keeping other sub-attributes', () => {
    expect(
      unwrapStringifiedAppRole({
        Value: '{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"Admin","displayName":"Admin"}',
        primary: false,
      }),
    ).toEqual({ value: 'Admin', display: 'Admin', primary: false });
    expect(unwrapStringifiedAppRole({ value: ' {"value":"A"}', display: 'Mine' })).toEqual({
      value: 'A',
      display: 'Mine',
    });
  });

  it('unwrapStringifiedAppRole leaves anything else alone', () => {
    for (const element of [
      { value: 'Admin' },
      { value: '{bad' },
      { value: '{"id":"x"}' },
      { value: '{"value":{}}' },
      { value: 5 },
      {},
    ]) {
      expect(unwrapStringifiedAppRole(element)).toBe(element);
    }
  });
});

describe('Okta quirks (reference §2.2)', () => {
  it('isEchoedKey names the envelope keys Okta and others echo back', () => {
    expect(['id', 'ID', 'meta', 'schemas'].every(isEchoedKey)).toBe(true);
    expect(['displayName', 'externalId', 'groups'].some(isEchoedKey)).toBe(false);
  });
});
