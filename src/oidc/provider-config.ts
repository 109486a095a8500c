import type { JsonWebKey } from 'node:crypto';
import Keygrip from 'keygrip';
import type { Configuration, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import { html, trusted } from '../html/html.js';
import type { Store } from '../store/store.js';
import { CLAIMS_BY_SCOPE, findAccount } from './accounts.js';
import { clientSecretMatches } from './oidc-clients.js';
import { renderPage } from './pages.js';
import type { SecretBox } from './secret-box.js';
import type { SsoPort } from './sso-port.js';
import { ClientAdapter, StoreAdapter } from './store-adapter.js';
import { tenantOfRequest } from './tenant-request.js';

const HOUR = 3600;

/**
 * Lifetimes, in seconds. Sessions, grants and refresh tokens end with the SSO session they came from
 * (8 hours, absolute), so the host app cannot keep a user signed in longer than the tenant's IdP did.
 */
export const TTL = {
  AccessToken: HOUR,
  AuthorizationCode: 60,
  IdToken: HOUR,
  Interaction: HOUR,
  RefreshToken: 8 * HOUR,
  Grant: 8 * HOUR,
  Session: 8 * HOUR,
} as const;

export interface ProviderParts {
  readonly issuer: string;
  readonly store: Store;
  readonly sso: SsoPort;
  /** Private JWKs, the one that signs first. */
  readonly keys: readonly JsonWebKey[];
  /** Seals the provider's records at rest. */
  readonly payloadBox: SecretBox;
  /** Sign the provider's cookies (HMAC-SHA-256), the first signing; the same on every node. */
  readonly cookieKeys: readonly string[];
  readonly clock: () => number;
  readonly log: { error(details: object, message: string): void };
}

/**
 * rollcall's OpenID Provider: panva's oidc-provider, configured for one thing: the vendor's apps sign
 * users in with the authorization code flow and PKCE, and every sign-in goes through the tenant's SAML
 * SSO (see interaction.ts). Claims come from the user's current SCIM state at token and userinfo time.
 */
export async function createProvider(parts: ProviderParts): Promise<Provider> {
  // Imported when first needed: the CLI's other commands never load the provider.
  const { default: OidcProvider, interactionPolicy } = await import('oidc-provider');
  const { store, sso } = parts;
  const mountPath = new URL(parts.issuer).pathname.replace(/\/$/, '');

  // The SSO session decides who is signed in: the provider's own session only stands while the same
  // user is signed in through the SSO of the tenant the request names.
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'sso_session',
      'the End-User is not signed in through the SSO of the requested tenant',
      'login_required',
      async (ctx) => {
        const { oidc } = ctx;
        const accountId = oidc.session?.accountId;
        if (!accountId || !oidc.account) return interactionPolicy.Check.REQUEST_PROMPT;
        if (oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const signIn = await sso.signInOf(ctx.get('cookie'));
        if (!signIn || signIn.userId !== accountId) return interactionPolicy.Check.REQUEST_PROMPT;
        const choice = await tenantOfRequest(store, (oidc.params ?? {}) as Record<string, unknown>);
        if (choice.kind === 'unknown') return interactionPolicy.Check.REQUEST_PROMPT;
        if (choice.kind === 'tenant' && choice.tenant.id !== signIn.tenantId)
          return interactionPolicy.Check.REQUEST_PROMPT;
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );

  const configuration: Configuration = {
    adapter: (model: string) =>
      model === 'Client'
        ? new ClientAdapter(store)
        : new StoreAdapter(model, store, parts.payloadBox, parts.clock),
    clients: [],
    jwks: { keys: parts.keys.map((key) => ({ ...key })) as never },
    findAccount: (_ctx, accountId) => findAccount(store, sso, accountId),
    claims: Object.fromEntries(
      Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]]),
    ),
    // Scope-requested claims go into the ID token too: the host app learns the roles without a userinfo call.
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    extraParams: ['tenant'],
    responseTypes: ['code'],
    // No client_secret_jwt: it needs the secret itself, and only its hash is stored.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    pkce: { required: () => true },
    // OpenID Connect Core §3.1.2.1: redirect_uri is required, and it matches a registered one exactly.
    allowOmittingSingleRegisteredRedirectUri: false,
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256'],
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderPage(
            'Sign out',
            `Sign out of ${ctx.oidc.client?.clientName ?? 'the app'}?`,
            // The form is oidc-provider's own markup (its action and hidden xsrf field).
            html`${trusted(form)}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderPage('Signed out', 'You are signed out of the app.');
        },
      },
    },
    cookies: {
      names: {
        session: 'rollcall_oidc',
        interaction: 'rollcall_oidc_interaction',
        resume: 'rollcall_oidc_resume',
      },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
      // Signed: the interaction's id is in its URL, so an unsigned cookie could be forged from a logged URL.
      // Keygrip's default HMAC is SHA-1; asked for SHA-256.
      keys: new Keygrip([...parts.cookieKeys], 'sha256'),
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}`,
    },
    // The vendor's own apps: what the app asks for is granted without a consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const { session, client } = oidc;
      const accountId = session?.accountId;
      if (!session || !accountId || !client) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      const grant =
        existing && existing.accountId === accountId
          ? existing
          : new oidc.provider.Grant({ accountId, clientId: client.clientId });
      const scope = typeof oidc.params?.scope === 'string' ? oidc.params.scope : 'openid';
      grant.addOIDCScope(scope);
      await grant.save();
      return grant;
    },
    // A refresh token for every code exchange: refreshing is how the host app learns role changes.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('openid'),
    ttl: { ...TTL },
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderPage(
        'Sign-in failed',
        out.error_description ?? out.error ?? 'The sign-in request could not be completed.',
        html`<p>Error: <code>${String(out.error ?? 'unknown')}</code></p>`,
      );
    },
  };

  const provider = new OidcProvider(parts.issuer, configuration);
  // The Forwarded headers the bridge sets carry the public URL's scheme and host (http/routes/oidc).
  provider.proxy = true;
  // The client table holds a secret's SHA-256, not the secret: compare the presented secret's hash.
  provider.Client.prototype.compareClientSecret = function compareHashed(
    this: { clientSecret?: string },
    actual,
  ) {
    return typeof this.clientSecret === 'string' && clientSecretMatches(actual, this.clientSecret);
  };
  provider.on('server_error', (_ctx, error) => parts.log.error({ err: error }, 'OpenID Provider error'));
  return provider;
}
