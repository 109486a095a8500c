import { randomBytes } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../../test/support/test-store.js';
import type { Store } from '../store/store.js';
import { type RotationPolicy, SecretKeyMismatchError, SigningKeys } from './signing-keys.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const POLICY: RotationPolicy = { rotateAfterMs: 30 * DAY, prepublishMs: DAY, retainMs: 2 * HOUR };
const START = Date.parse('2026-01-01T00:00:00Z');

const opened: Awaited<ReturnType<typeof openTestStore>>[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

async function freshStore(): Promise<Store> {
  const test = await openTestStore();
  opened.push(test);
  return test.store;
}

describe('SigningKeys', () => {
  let store: Store;
  let clock: number;
  const secretKey = randomBytes(32);
  const keysOf = (s: Store, key = secretKey) => new SigningKeys(s, key, POLICY, () => clock);

  beforeEach(async () => {
    store = await freshStore();
    clock = START;
  });

  it('creates the first key on first use and keeps signing with it', async () => {
    const first = await keysOf(store).current();
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'RSA', kid: first.signingKid, alg: 'RS256' });
    expect(first.keys[0]).toHaveProperty('d');
    clock += 10 * DAY;
    expect((await keysOf(store).current()).fingerprint).toBe(first.fingerprint);
  });

  it('publishes the next key a day before it signs, then keeps the old one until what it signed expired', async () => {
    const keys = keysOf(store);
    const first = await keys.current();

    clock = START + 29 * DAY + HOUR; // inside the prepublish window
    const prepublished = await keys.current();
    expect(prepublished.signingKid).toBe(first.signingKid);
    expect(prepublished.keys.map((k) => k.kid)).toHaveLength(2);
    const nextKid = prepublished.keys[1]!.kid;

    clock = START + 30 * DAY + HOUR; // the next key's term began
    const rotated = await keys.current();
    expect(rotated.signingKid).toBe(nextKid);
    expect(rotated.keys.map((k) => k.kid)).toEqual([nextKid, first.signingKid]);

    clock = START + 30 * DAY + 3 * HOUR; // past retention
    const retired = await keys.current();
    expect(retired.keys.map((k) => k.kid)).toEqual([nextKid]);
    expect((await store.repositories.oidcKeys.all()).map((k) => k.kid)).toEqual([nextKid]);
  });

  it('catches up after a long pause: a next key that signs soon, never one already signing unseen', async () => {
    const keys = keysOf(store);
    const first = await keys.current();
    clock = START + 90 * DAY;
    const later = await keys.current();
    // The overdue key still signs until its successor has been published for the prepublish time.
    expect(later.signingKid).toBe(first.signingKid);
    const stored = await store.repositories.oidcKeys.all();
    expect(Date.parse(stored[0]!.signsFrom)).toBe(clock + DAY);
  });

  it('makes one key per generation when several nodes rotate at once', async () => {
    const nodes = [keysOf(store), keysOf(store), keysOf(store)];
    const sets = await Promise.all(nodes.map((n) => n.current()));
    expect(new Set(sets.map((s) => s.fingerprint)).size).toBe(1);
    clock = START + 29 * DAY + HOUR;
    const next = await Promise.all(nodes.map((n) => n.current()));
    expect(new Set(next.map((s) => s.fingerprint)).size).toBe(1);
    expect((await store.repositories.oidcKeys.all()).map((k) => k.generation)).toEqual([2, 1]);
  });

  it('refuses a secret key that did not seal the stored keys', async () => {
    await keysOf(store).current();
    await expect(keysOf(store, randomBytes(32)).verifySecretKey()).rejects.toThrow(SecretKeyMismatchError);
    await expect(keysOf(store).verifySecretKey()).resolves.toBeUndefined();
  });
});
