import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The SHA-256 of a secret, as hex: all that is stored of SCIM tokens, API keys, session cookies,
 * one-time links, OIDC client secrets and the OpenID Provider's record ids. Each is 256 random bits,
 * so a fast hash suffices (nothing to guess, so no salt or stretching), and finding a row by the
 * secret stays an indexed equality.
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether two hex hashes are equal, in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
