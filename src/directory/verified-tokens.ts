import type { TokenWithDirectory } from '../store/kysely/token-repository.js';
import type { Store } from '../store/store.js';
import { type DirectorySettings, parseSettings } from './directory-settings.js';

/**
 * How long a node answers a SCIM token from memory after reading it from the database. A token
 * revoked (or a directory switched off or changed) through this process is dropped at once; through
 * another node or the CLI, this node may go on accepting it, with the old settings, this long.
 */
export const VERIFIED_TOKEN_TTL_MS = 2_000;

/** Tokens held at most; an IdP uses one per directory, so this bounds memory, not hits. */
const CAPACITY = 10_000;

/** A token as read from the database, with its directory's settings parsed once. */
export interface VerifiedToken {
  readonly found: TokenWithDirectory;
  readonly settings: DirectorySettings;
  /** When the token lapses (ms since the epoch), Infinity for never. */
  readonly expiresAt: number;
  /** last_used_at in ms, refreshed in memory when this node writes it; -Infinity for never used. */
  lastUsedAt: number;
  /** Set in memory when this node raises the token's expiry warning. */
  expiryWarned: string | null;
  readonly until: number;
}

/**
 * SCIM tokens this process has read recently, keyed by the SHA-256 of the secret (never the
 * secret): a SCIM request then skips the token query, the first of its two or three. Only tokens
 * the database knows are held; a wrong token is looked up every time.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();
  private changes = 0;

  constructor(
    private readonly ttlMs = VERIFIED_TOKEN_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts the changes that drop every entry; a read that began before one must not be kept. */
  get generation(): number {
    return this.changes;
  }

  get(hash: string): VerifiedToken | undefined {
    const entry = this.entries.get(hash);
    if (entry && entry.until > this.clock()) return entry;
    if (entry) this.entries.delete(hash);
    return undefined;
  }

  /** What a lookup begun at `generation` found; kept unless a change happened since. */
  remember(hash: string, found: TokenWithDirectory, generation: number): VerifiedToken {
    const entry: VerifiedToken = {
      found,
      settings: parseSettings(found.directory.settings),
      expiresAt: found.token.expires === null ? Number.POSITIVE_INFINITY : Date.parse(found.token.expires),
      lastUsedAt: found.token.lastUsed === null ? Number.NEGATIVE_INFINITY : Date.parse(found.token.lastUsed),
      expiryWarned: found.token.expiryWarned,
      until: this.clock() + this.ttlMs,
    };
    if (generation !== this.changes) return entry;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    if (this.entries.size > CAPACITY) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  /** Drops every entry: a token, directory or tenant changed. */
  forget(): void {
    this.changes++;
    this.entries.clear();
  }
}

const byDatabase = new WeakMap<object, VerifiedTokens>();

/** This process's verified tokens for the database `store` opens. */
export function verifiedTokens(store: Store): VerifiedTokens {
  let tokens = byDatabase.get(store.identity);
  if (!tokens) {
    tokens = new VerifiedTokens();
    byDatabase.set(store.identity, tokens);
  }
  return tokens;
}

/**
 * Call after changing a token, a directory or a tenant: every node-local copy of a token is
 * dropped now and again when the change commits (in a unit of work, a request reading between
 * the two would otherwise keep the old row).
 */
export function forgetVerifiedTokens(store: Store): void {
  const tokens = byDatabase.get(store.identity);
  if (!tokens) return;
  tokens.forget();
  store.afterCommit(() => tokens.forget());
}
