import { describe, expect, it } from 'vitest';
import type { TokenWithDirectory } from '../store/kysely/token-repository.js';
import { VerifiedTokens } from './verified-tokens.js';

const found = (id: string): TokenWithDirectory => ({
  hash: `hash-${id}`,
  token: {
    id,
    tenantId: 't',
    directoryId: 'd',
    prefix: 'rcs_abcdef',
    created: '2024-01-01T00:00:00.000Z',
    lastUsed: null,
    expires: null,
    revoked: null,
    scopes: null,
    expiryWarned: null,
  },
  directory: {
    id: 'd',
    tenantId: 't',
    name: 'employees',
    settings: '{"roles":[{"value":"member","display":"Member"}]}',
    scimEnabled: true,
    created: '2024-01-01T00:00:00.000Z',
    updated: '2024-01-01T00:00:00.000Z',
    deprovisionPausedAt: null,
    deprovisionReleasedAt: null,
  },
});

describe('VerifiedTokens', () => {
  it('holds a token for the TTL, then reads it again', () => {
    let time = 1_000;
    const tokens = new VerifiedTokens(2_000, () => time);
    const kept = tokens.remember('h1', found('a'), tokens.generation);
    expect(kept.settings.roles.map((r) => r.value)).toEqual(['member']);
    time += 1_999;
    expect(tokens.get('h1')).toBe(kept);
    time += 1;
    expect(tokens.get('h1')).toBeUndefined();
  });

  it('forgets every token at a change, and keeps nothing read before the change', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('h1', found('a'), tokens.generation);
    const before = tokens.generation;
    tokens.forget();
    expect(tokens.get('h1')).toBeUndefined();
    // A lookup that began before the change answers its request, but is not kept.
    const stale = tokens.remember('h2', found('b'), before);
    expect(stale.found.token.id).toBe('b');
    expect(tokens.get('h2')).toBeUndefined();
    tokens.remember('h2', found('b'), tokens.generation);
    expect(tokens.get('h2')?.found.token.id).toBe('b');
  });

  it('holds at most 10,000 tokens, dropping the oldest', () => {
    const tokens = new VerifiedTokens();
    for (let i = 0; i <= 10_000; i++) tokens.remember(`h${i}`, found(`t${i}`), tokens.generation);
    expect(tokens.get('h0')).toBeUndefined();
    expect(tokens.get('h1')?.found.token.id).toBe('t1');
    expect(tokens.get('h10000')?.found.token.id).toBe('t10000');
  });
});
