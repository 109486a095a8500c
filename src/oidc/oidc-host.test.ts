import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, openTestStore } from '../../test/support/test-store.js';
import { OidcHost } from './oidc-host.js';

let test: Awaited<ReturnType<typeof openTestStore>>;
const silent = { info() {}, error() {} };

beforeAll(async () => {
  test = await openTestStore();
});
afterAll(() => test.close());

describe('OidcHost', () => {
  it('builds the provider once per issuer, and tries again after the keys could not be read', async () => {
    const host = new OidcHost({
      store: test.store,
      secretKey: randomBytes(32),
      sso: { signInOf: async () => null, currentIdentity: async () => null },
      log: silent,
    });
    const raw = await connectRaw(test.location);
    try {
      await raw.query('alter table oidc_signing_keys rename to oidc_signing_keys_away');
      await expect(host.provider('https://id.vendor.test/oidc')).rejects.toThrow();
      await raw.query('alter table oidc_signing_keys_away rename to oidc_signing_keys');
      const provider = await host.provider('https://id.vendor.test/oidc');
      expect(provider.issuer).toBe('https://id.vendor.test/oidc');
      expect(await host.provider('https://id.vendor.test/oidc')).toBe(provider);
    } finally {
      host.stop();
      await raw.close();
    }
  });
});
