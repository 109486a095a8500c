import { describe, expect, it } from 'vitest';
import { sameHash, sha256Hex } from './secret-hash.js';

describe('sha256Hex', () => {
  it('is SHA-256 as lowercase hex (FIPS 180-2 test vectors)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes the UTF-8 of the text', () => {
    expect(sha256Hex('é')).toBe(sha256Hex('\u00e9'));
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});

describe('sameHash', () => {
  it('is true only for the same hash', () => {
    const a = sha256Hex('a');
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, a.toUpperCase())).toBe(true);
    expect(sameHash(a, sha256Hex('b'))).toBe(false);
  });

  it('is false, without throwing, for hashes of another length or not hex at all', () => {
    const a = sha256Hex('a');
    expect(sameHash(a, a.slice(0, 62))).toBe(false);
    expect(sameHash(a, '')).toBe(false);
    expect(sameHash(a, 'not hex')).toBe(false);
  });
});
