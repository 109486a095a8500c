import { randomBytes, randomUUID } from 'node:crypto';
import { TenantLimitedKeyError } from '../directory/admin-errors.js';
import { now } from '../directory/clock.js';
import { sameHash, sha256Hex } from '../directory/secret-hash.js';
import { isStorableText } from '../directory/storable-text.js';
import { InvalidValueError, NotFoundError } from '../scim/errors.js';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  type OidcClientRecord,
} from '../store/kysely/oidc-client-repository.js';
import type { Store } from '../store/store.js';

/** Recognisable prefix of client secrets (SCIM tokens use `rcs_`, API keys `rck_`), for secret scanners. */
export const CLIENT_SECRET_PREFIX = 'rco_';
const MAX_URIS = 20;
const MAX_URI_LENGTH = 2000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export class OidcClientNotFoundError extends NotFoundError {}

export interface ClientInput {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** The app's sign-in URL, where rollcall hands over an IdP-initiated sign-in. */
  readonly loginUri?: string | null;
  /** Default `client_secret_basic`; `none` registers a public app (no secret, PKCE alone). */
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
}

export interface CreatedClient {
  readonly client: OidcClientRecord;
  /** The secret, returned this once; null for a public client. */
  readonly secret: string | null;
}

/** Whether a presented secret is the one whose hash is stored; constant-time. */
export function clientSecretMatches(presented: string, storedHash: string): boolean {
  return sameHash(sha256Hex(presented), storedHash);
}

/**
 * A URI an app may be sent to: absolute, https (http only on a loopback host, for development),
 * without a fragment or credentials. Kept as written, since redirect URIs match exactly.
 */
export function checkAppUri(uri: string, what: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidValueError(`${what} "${uri}" is not an absolute URL`);
  }
  if (uri.length > MAX_URI_LENGTH)
    throw new InvalidValueError(`${what} is longer than ${MAX_URI_LENGTH} characters`);
  // The URL parser percent-encodes these, but the URI is kept as written (redirect URIs match exactly).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(uri))
    throw new InvalidValueError(`${what} ${JSON.stringify(uri)} must not contain control characters`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new InvalidValueError(
      `${what} "${uri}" must use https (http only on localhost, 127.0.0.1 or [::1])`,
    );
  if (url.hash !== '' || uri.includes('#'))
    throw new InvalidValueError(`${what} "${uri}" must not have a fragment`);
  if (url.username !== '' || url.password !== '')
    throw new InvalidValueError(`${what} "${uri}" must not carry a user name or password`);
  return uri;
}

function checkUris(uris: readonly string[], what: string, atLeastOne: boolean): string[] {
  if (atLeastOne && uris.length === 0) throw new InvalidValueError(`A client needs at least one ${what}`);
  if (uris.length > MAX_URIS) throw new InvalidValueError(`A client may have at most ${MAX_URIS} ${what}s`);
  const checked = uris.map((uri) => checkAppUri(uri, what));
  return [...new Set(checked)];
}

/**
 * The apps of the vendor that sign users in through rollcall. They serve every tenant, so an API key
 * limited to one tenant may not manage them.
 */
export class OidcClients {
  constructor(
    private readonly store: Store,
    private readonly onlyTenantId: string | null = null,
  ) {}

  limitedTo(tenantId: string | null): OidcClients {
    return tenantId === null ? this : new OidcClients(this.store, tenantId);
  }

  private requireAllTenants(): void {
    if (this.onlyTenantId !== null)
      throw new TenantLimitedKeyError(
        'This API key is limited to one tenant; OpenID Connect clients serve every tenant and need an unlimited key',
      );
  }

  async create(input: ClientInput): Promise<CreatedClient> {
    this.requireAllTenants();
    const name = input.name.trim();
    if (!name) throw new InvalidValueError('A client needs a name');
    if (!isStorableText(name)) throw new InvalidValueError('A client name must not contain a NUL character');
    const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
    if (!CLIENT_AUTH_METHODS.includes(method))
      throw new InvalidValueError(`tokenEndpointAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    const secret = method === 'none' ? null : CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
    const client: OidcClientRecord = {
      id: randomUUID(),
      name,
      redirectUris: checkUris(input.redirectUris, 'redirect URI', true),
      postLogoutRedirectUris: checkUris(
        input.postLogoutRedirectUris ?? [],
        'post-logout redirect URI',
        false,
      ),
      loginUri: input.loginUri ? checkAppUri(input.loginUri, 'login URI') : null,
      tokenEndpointAuthMethod: method,
      secretPrefix: secret === null ? null : secret.slice(0, CLIENT_SECRET_PREFIX.length + 6),
      created: now(),
    };
    await this.store.repositories.oidcClients.insert(client, secret === null ? null : sha256Hex(secret));
    return { client, secret };
  }

  async list(): Promise<OidcClientRecord[]> {
    this.requireAllTenants();
    return this.store.repositories.oidcClients.list();
  }

  async get(id: string): Promise<OidcClientRecord> {
    this.requireAllTenants();
    const found = isStorableText(id) ? await this.store.repositories.oidcClients.byId(id) : undefined;
    if (!found) throw new OidcClientNotFoundError(`No OpenID Connect client ${id}`);
    return found.client;
  }

  /** Deletes a client; its tokens stop working at once, since the provider looks the client up on each use. */
  async delete(id: string): Promise<void> {
    this.requireAllTenants();
    if (!isStorableText(id) || !(await this.store.repositories.oidcClients.delete(id)))
      throw new OidcClientNotFoundError(`No OpenID Connect client ${id}`);
  }
}
