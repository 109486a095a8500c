import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, SCRYPT_COST, verifyPassword } from './password-hash.js';

describe('operator password hashing (scrypt, RFC 7914)', () => {
  it('verifies the password a hash was made from, and no other', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('stores the algorithm, its cost and a salt of its own with every hash, never the password', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    const [name, N, r, p, salt, key] = a.split('$');
    expect([name, Number(N), Number(r), Number(p)]).toEqual([
      'scrypt',
      SCRYPT_COST.N,
      SCRYPT_COST.r,
      SCRYPT_COST.p,
    ]);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    expect(a).not.toContain('same password');
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('verifies a hash made with other parameters, and says it should be made again when they were weaker', async () => {
    const weak = await hashPassword('an older password', { N: 2 ** 10, r: 8, p: 1 });
    expect(await verifyPassword('an older password', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('a current password'))).toBe(false);
  });

  it('refuses malformed or tampered hashes without throwing', async () => {
    const hash = await hashPassword('a password here');
    const parts = hash.split('$');
    const flipped = Buffer.from(parts[5]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    for (const bad of [
      '',
      'plain',
      'bcrypt$10$x$y$z$w',
      [...parts.slice(0, 5), flipped.toString('base64url')].join('$'),
      ['scrypt', 3, 8, 1, parts[4], parts[5]].join('$'), // N not a power of two
      ['scrypt', 2 ** 30, 8, 1, parts[4], parts[5]].join('$'), // absurd memory
    ])
      expect(await verifyPassword('a password here', bad)).toBe(false);
  });
});
