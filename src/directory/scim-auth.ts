import { ForbiddenError, UnauthorizedError } from '../scim/errors.js';
import type { TokenScope } from '../store/ports.js';
import type { Store } from '../store/store.js';
import type { DirectorySettings } from './directory-settings.js';
import { sameHash, sha256Hex } from './secret-hash.js';
import { EXPIRY_WARNING_DAYS, warnOfExpiry } from './token-expiry.js';
import { verifiedTokens } from './verified-tokens.js';

export interface AuthenticatedDirectory {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly tokenId: string;
  /** What the token may do; null for everything. */
  readonly scopes: readonly TokenScope[] | null;
  readonly settings: DirectorySettings;
  /** Set on the first request within EXPIRY_WARNING_DAYS of the token's expiry. */
  readonly expiryWarning?: string;
}

/** The scope a SCIM call needs: reading or writing users or groups. */
export function requiredScope(resource: 'User' | 'Group', write: boolean): TokenScope {
  return `${resource === 'User' ? 'users' : 'groups'}:${write ? 'write' : 'read'}`;
}

/** Refuses (403) a call the token's scopes do not cover. */
export function checkScope(auth: Pick<AuthenticatedDirectory, 'scopes'>, scope: TokenScope): void {
  if (auth.scopes !== null && !auth.scopes.includes(scope))
    throw new ForbiddenError(
      `This token may not ${scope.replace(':', ' ')} (its scopes: ${auth.scopes.join(', ') || 'none'})`,
    );
}

/** last_used_at is refreshed at most this often per token, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Checks `Authorization: Bearer <token>` for a directory. A token opens exactly the directory
 * it was issued for: a valid token of another directory is refused like a wrong one, so its
 * holder learns nothing about which directories exist. A token read in the last two seconds is
 * checked from memory (verified-tokens.ts): revocation and expiry still apply at once on this node.
 */
export async function authenticateScimRequest(
  store: Store,
  directoryId: string,
  authorization: string | undefined,
): Promise<AuthenticatedDirectory> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match)
    throw new UnauthorizedError(
      'Authentication required: send the directory\'s SCIM token as "Authorization: Bearer <token>"',
    );
  const hash = sha256Hex(match[1]!);
  const tokens = verifiedTokens(store);
  let verified = tokens.get(hash);
  if (!verified) {
    const generation = tokens.generation;
    const found = await store.repositories.tokens.findByHash(hash);
    if (!found || !sameHash(found.hash, hash))
      throw new UnauthorizedError('The bearer token is not valid for this SCIM endpoint');
    verified = tokens.remember(hash, found, generation);
  }
  const { token, directory } = verified.found;
  if (directory.id !== directoryId)
    throw new UnauthorizedError('The bearer token is not valid for this SCIM endpoint');
  // Times as numbers: this runs on every request, and an ISO string is made only to be written.
  const nowMs = Date.now();
  if (token.revoked) throw new UnauthorizedError('This token has been revoked; generate a new one');
  if (verified.expiresAt <= nowMs) throw new UnauthorizedError('This token has expired; generate a new one');
  if (!directory.scimEnabled) throw new ForbiddenError('Provisioning is switched off for this directory');
  if (nowMs - verified.lastUsedAt > TOUCH_INTERVAL_MS) {
    await store.repositories.tokens.touch(token.id, new Date(nowMs).toISOString());
    verified.lastUsedAt = nowMs;
  }
  let expiryWarning: string | undefined;
  if (!verified.expiryWarned && verified.expiresAt - nowMs <= EXPIRY_WARNING_DAYS * 86_400_000) {
    const at = new Date(nowMs).toISOString();
    expiryWarning = await warnOfExpiry(store, { ...token, expiryWarned: null }, directory.tenantId, at);
    if (expiryWarning) verified.expiryWarned = at;
  }
  return {
    ...(expiryWarning && { expiryWarning }),
    scopes: token.scopes,
    tenantId: directory.tenantId,
    directoryId: directory.id,
    tokenId: token.id,
    settings: verified.settings,
  };
}
