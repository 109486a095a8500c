import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey, SealError, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and seals the same text differently each time', () => {
    const box = new SecretBox(key, 'test');
    const a = box.seal('{"d":"private"}', 'row-1');
    const b = box.seal('{"d":"private"}', 'row-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('private');
    expect(box.open(a, 'row-1')).toBe('{"d":"private"}');
  });

  it('refuses a value moved to another row, opened for another purpose or under another secret key', () => {
    const sealed = new SecretBox(key, 'test').seal('secret', 'row-1');
    expect(() => new SecretBox(key, 'test').open(sealed, 'row-2')).toThrow(SealError);
    expect(() => new SecretBox(key, 'other purpose').open(sealed, 'row-1')).toThrow(SealError);
    expect(() => new SecretBox(randomBytes(32), 'test').open(sealed, 'row-1')).toThrow(SealError);
  });

  it('refuses an altered value', () => {
    const box = new SecretBox(key, 'test');
    const bytes = Buffer.from(box.seal('secret', 'row'), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => box.open(bytes.toString('base64url'), 'row')).toThrow(SealError);
    expect(() => box.open('short', 'row')).toThrow(SealError);
  });

  it('derives a different key per purpose', () => {
    expect(deriveKey(key, 'a').equals(deriveKey(key, 'b'))).toBe(false);
    expect(deriveKey(key, 'a').equals(deriveKey(key, 'a'))).toBe(true);
  });
});
