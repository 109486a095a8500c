import type { SsoPort } from './sso-port.js';

/**
 * Until the SAML sign-in (branch `sso`) is merged: nobody is signed in, so every OpenID Connect
 * sign-in goes to the tenant's SAML login. Replaced by the directory's SSO sessions at the merge.
 */
export const PENDING_SSO: SsoPort = {
  cookieName: 'rollcall_sso',
  resolve: async () => null,
  currentIdentity: async () => null,
  end: async () => {},
};
