import { randomBytes } from 'node:crypto';
import type { ApiKeyRecord } from '../store/kysely/api-key-repository.js';
import type { Store } from '../store/store.js';
import { ApiKeyRejectedError } from './admin-errors.js';
import { now } from './clock.js';
import { sameHash, sha256Hex } from './secret-hash.js';

/** Recognisable prefix of operator keys (SCIM tokens use `rcs_`), so secret scanners can spot a leak. */
export const API_KEY_PREFIX = 'rck_';

/** last_used_at is refreshed at most this often per key, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewApiKey {
  /** Shown once, never stored. */
  readonly secret: string;
  readonly displayPrefix: string;
  readonly hash: string;
}

/** 256 random bits, base64url, behind the prefix. */
export function generateApiKey(): NewApiKey {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, displayPrefix: secret.slice(0, API_KEY_PREFIX.length + 6), hash: sha256Hex(secret) };
}

/**
 * Checks `Authorization: Bearer <key>` for the admin API. The lookup is by SHA-256 hash and the
 * hashes are compared again in constant time, so timing tells nothing about stored keys.
 */
export async function authenticateApiKey(
  store: Store,
  authorization: string | undefined,
): Promise<ApiKeyRecord> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match)
    throw new ApiKeyRejectedError(
      'Authentication required: send an operator API key as "Authorization: Bearer <key>"',
    );
  const hash = sha256Hex(match[1]!);
  const found = await store.repositories.apiKeys.findByHash(hash);
  if (!found || !sameHash(found.hash, hash)) throw new ApiKeyRejectedError('The API key is not valid');
  const { key } = found;
  if (key.revoked) throw new ApiKeyRejectedError('This API key has been revoked');
  const at = now();
  if (!key.lastUsed || Date.parse(at) - Date.parse(key.lastUsed) > TOUCH_INTERVAL_MS)
    await store.repositories.apiKeys.touch(key.id, at);
  return key;
}
