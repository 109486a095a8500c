import { randomBytes } from 'node:crypto';
import { sha256Hex } from './secret-hash.js';

/** Recognisable prefix, so a leaked token is easy to spot in code scanning. */
export const TOKEN_PREFIX = 'rcs_';

export interface NewToken {
  /** Shown once, never stored. */
  readonly secret: string;
  /** What listings show: the prefix and the first characters. */
  readonly displayPrefix: string;
  readonly hash: string;
}

/** 256 random bits, base64url. */
export function generateToken(): NewToken {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { secret, displayPrefix: secret.slice(0, TOKEN_PREFIX.length + 6), hash: sha256Hex(secret) };
}
