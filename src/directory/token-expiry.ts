import type { TokenRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { now } from './clock.js';
import { event } from './events.js';

/** How long before a token lapses the "expires soon" warning is raised (once). */
export const EXPIRY_WARNING_DAYS = 7;

/**
 * Raises the "token expires soon" warning once per token (the conditional update makes it once
 * across nodes too): an event for the host app and a note in the provisioning log.
 */
export async function warnOfExpiry(
  store: Store,
  token: TokenRecord,
  tenantId: string,
  at: string,
): Promise<string | undefined> {
  if (!token.expires || token.expiryWarned) return undefined;
  if (Date.parse(token.expires) - Date.parse(at) > EXPIRY_WARNING_DAYS * 86_400_000) return undefined;
  if (!(await store.repositories.tokens.markExpiryWarned(token.id, at))) return undefined;
  const warning = `token ${token.prefix}… expires at ${token.expires}; generate a new one and update Entra's Secret Token`;
  await store.repositories.events.append([
    event(
      { tenantId, directoryId: token.directoryId },
      'token.expiring',
      { type: 'Token', id: token.id },
      { expires: token.expires },
    ),
  ]);
  return warning;
}

/** Warns of every token lapsing within EXPIRY_WARNING_DAYS, used or not (a maintenance job); returns the warnings. */
export async function warnOfExpiringTokens(store: Store, at = now()): Promise<string[]> {
  const horizon = new Date(Date.parse(at) + EXPIRY_WARNING_DAYS * 86_400_000).toISOString();
  const warnings: string[] = [];
  for (const token of await store.repositories.tokens.expiringUnwarned(horizon, at)) {
    const warning = await warnOfExpiry(store, token, token.tenantId, at);
    if (warning) warnings.push(warning);
  }
  return warnings;
}
