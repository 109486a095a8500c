import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, openTestStore } from '../../test/support/test-store.js';
import { SecretBox } from './secret-box.js';
import { StoreAdapter } from './store-adapter.js';

/** oidc-provider's storage contract (example/my_adapter.js), on the store under test. */
let test: Awaited<ReturnType<typeof openTestStore>>;
let clock = Date.parse('2026-03-01T12:00:00Z');
const box = new SecretBox(randomBytes(32), 'oidc provider records');
const adapter = (model: string) => new StoreAdapter(model, test.store, box, () => clock);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  test = await openTestStore();
});
afterAll(() => test.close());

describe('StoreAdapter', () => {
  it('finds what it stored until it expires, and replaces it on upsert', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('code-1', { accountId: 'u1', grantId: 'g1', kind: 'AuthorizationCode' }, 60);
    expect(await codes.find('code-1')).toMatchObject({ accountId: 'u1', grantId: 'g1' });
    await codes.upsert('code-1', { accountId: 'u2', kind: 'AuthorizationCode' }, 60);
    expect(await codes.find('code-1')).toMatchObject({ accountId: 'u2' });
    expect(await adapter('AccessToken').find('code-1')).toBeUndefined();
    clock += 61_000;
    expect(await codes.find('code-1')).toBeUndefined();
  });

  it('marks a record consumed and destroys it', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('code-2', { accountId: 'u1' }, 60);
    await codes.consume('code-2');
    expect((await codes.find('code-2'))?.consumed).toEqual(expect.any(Number));
    await codes.destroy('code-2');
    expect(await codes.find('code-2')).toBeUndefined();
  });

  it('finds a session by uid and a device code by user code', async () => {
    await adapter('Session').upsert('session-jti', { uid: 'session-uid', accountId: 'u1' }, 3600);
    expect(await adapter('Session').findByUid('session-uid')).toMatchObject({ accountId: 'u1' });
    expect(await adapter('Session').findByUid('session-jti')).toBeUndefined();
    await adapter('DeviceCode').upsert('device-1', { userCode: 'ABCD-EFGH', accountId: 'u1' }, 600);
    expect(await adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toMatchObject({ accountId: 'u1' });
  });

  it('revokes the codes and tokens a grant issued, of every model, and nothing else', async () => {
    await adapter('Grant').upsert('grant-9', { accountId: 'u9', clientId: 'c' }, 3600);
    await adapter('AuthorizationCode').upsert('code-9', { grantId: 'grant-9' }, 60);
    await adapter('AccessToken').upsert('at-9', { grantId: 'grant-9' }, 3600);
    await adapter('RefreshToken').upsert('rt-9', { grantId: 'grant-9' }, 3600);
    await adapter('Interaction').upsert('interaction-9', { grantId: 'grant-9' }, 3600);
    await adapter('AccessToken').upsert('at-other', { grantId: 'grant-other' }, 3600);
    await adapter('AccessToken').revokeByGrantId('grant-9');
    expect(await adapter('AuthorizationCode').find('code-9')).toBeUndefined();
    expect(await adapter('AccessToken').find('at-9')).toBeUndefined();
    expect(await adapter('RefreshToken').find('rt-9')).toBeUndefined();
    // The provider destroys the grant itself; an interaction in progress outlives the revocation.
    expect(await adapter('Grant').find('grant-9')).toBeDefined();
    expect(await adapter('Interaction').find('interaction-9')).toBeDefined();
    expect(await adapter('AccessToken').find('at-other')).toBeDefined();
  });

  it('stores ids hashed and payloads sealed: a token is nowhere in the clear', async () => {
    const token = `at-${randomBytes(16).toString('hex')}`;
    await adapter('AccessToken').upsert(token, { jti: token, accountId: 'user-secretive' }, 3600);
    const raw = await connectRaw(test.location);
    try {
      const rows = await raw.query<Record<string, string | null>>(
        "select * from oidc_payloads where model = 'AccessToken' and id_hash = $1",
        [sha256(token)],
      );
      expect(rows).toHaveLength(1);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(token);
      expect(text).not.toContain('user-secretive');
    } finally {
      await raw.close();
    }
  });

  it('treats a record it cannot open as absent', async () => {
    await adapter('AccessToken').upsert('sealed-elsewhere', { accountId: 'u1' }, 3600);
    const other = new StoreAdapter(
      'AccessToken',
      test.store,
      new SecretBox(randomBytes(32), 'x'),
      () => clock,
    );
    expect(await other.find('sealed-elsewhere')).toBeUndefined();
  });

  it('purges expired records in bulk', async () => {
    await adapter('Interaction').upsert('short', { uid: 'short' }, 10);
    await adapter('Interaction').upsert('long', { uid: 'long' }, 10_000);
    clock += 11_000;
    const purged = await test.store.repositories.oidcPayloads.purgeExpired(new Date(clock).toISOString());
    expect(purged).toBeGreaterThanOrEqual(1);
    clock -= 11_000;
    expect(await adapter('Interaction').find('short')).toBeUndefined();
    expect(await adapter('Interaction').find('long')).toBeDefined();
  });
});
