import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Operator passwords, hashed with scrypt (RFC 7914): memory-hard, in node:crypto, so nothing native
 * to build. Each hash carries its own salt and cost parameters (`scrypt$N$r$p$salt$hash`), so the
 * cost can be raised later and old hashes still verify (and are re-hashed at the next sign-in).
 */

/**
 * N = 2^15, r = 8, p = 3: one of the equivalent settings OWASP's Password Storage Cheat Sheet lists
 * for scrypt (with N = 2^17, p = 1), at 32 MiB rather than 128 MiB per hash, which matters on a small
 * node where a few sign-ins may run at once.
 */
export const SCRYPT_COST = { N: 2 ** 15, r: 8, p: 3 } as const;

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longest accepted password: bounded, so a huge one cannot make hashing a denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 12;

type Cost = { readonly N: number; readonly r: number; readonly p: number };

function derive(password: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost: Cost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  readonly cost: Cost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a tampered row from asking for absurd memory.
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0) return undefined;
  if (r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return {
    cost: { N, r, p },
    salt: Buffer.from(parts[4]!, 'base64url'),
    key: Buffer.from(parts[5]!, 'base64url'),
  };
}

/** Whether `password` is the one `encoded` was made from; false for anything malformed. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parsed = parseHash(encoded);
  if (!parsed || parsed.key.length === 0) return false;
  const key = await derive(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Whether a stored hash was made with less than today's cost. */
export function needsRehash(encoded: string, cost: Cost = SCRYPT_COST): boolean {
  const parsed = parseHash(encoded);
  return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

/** A hash of a random password, verified against when an email is unknown, so both cases take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'));
  return decoy;
}
