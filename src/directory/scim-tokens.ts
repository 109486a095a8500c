import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable prefix, so a leaked token is easy to spot in code scanning. */
export const TOKEN_PREFIX = 'rcs_';

export interface NewToken {
  /** Shown once, never stored. */
  readonly secret: string;
  /** What listings show: the prefix and the first characters. */
  readonly displayPrefix: string;
  readonly hash: string;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** 256 random bits, base64url. */
export function generateToken(): NewToken {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { secret, displayPrefix: secret.slice(0, TOKEN_PREFIX.length + 6), hash: hashToken(secret) };
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
