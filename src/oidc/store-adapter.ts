import type { Adapter, AdapterPayload } from 'oidc-provider';
import { sha256Hex } from '../directory/secret-hash.js';
import { isStorableText } from '../directory/storable-text.js';
import type { Store } from '../store/store.js';
import { SealError, type SecretBox } from './secret-box.js';

/** The records revokeByGrantId takes back: what a grant issued (as oidc-provider's own memory adapter has it). */
const ISSUED_BY_GRANT = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * oidc-provider's storage on rollcall's store, so a sign-in started on one node finishes on any other.
 * Ids are stored as SHA-256 hashes (an opaque token's id is the token itself) and payloads sealed
 * with a key derived from the secret key, bound to their row.
 */
export class StoreAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: () => number,
  ) {}

  private context(idHash: string): string {
    return `${this.model}:${idHash}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const idHash = sha256Hex(id);
    // An interaction or session also names its grant, but outlives a revocation of it.
    const grantId = ISSUED_BY_GRANT.has(this.model) ? payload.grantId : undefined;
    await this.store.repositories.oidcPayloads.upsert({
      model: this.model,
      idHash,
      sealedPayload: this.box.seal(JSON.stringify(payload), this.context(idHash)),
      grantHash: grantId ? sha256Hex(grantId) : null,
      uidHash: payload.uid ? sha256Hex(payload.uid) : null,
      userCodeHash: payload.userCode ? sha256Hex(payload.userCode) : null,
      expiresAt: expiresIn === undefined ? null : new Date(this.clock() + expiresIn * 1000).toISOString(),
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findBy('id_hash', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy('uid_hash', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy('user_code_hash', userCode);
  }

  private async findBy(
    key: 'id_hash' | 'uid_hash' | 'user_code_hash',
    value: string,
  ): Promise<AdapterPayload | undefined> {
    const found = await this.store.repositories.oidcPayloads.find(
      this.model,
      sha256Hex(value),
      new Date(this.clock()).toISOString(),
      key,
    );
    if (!found) return undefined;
    let payload: AdapterPayload;
    try {
      payload = JSON.parse(this.box.open(found.sealedPayload, this.context(found.idHash))) as AdapterPayload;
    } catch (error) {
      // A record this secret key cannot open is as good as absent (the signing keys' check at start
      // catches a wrong key; this covers a row altered in the database).
      if (error instanceof SealError) return undefined;
      throw error;
    }
    return found.consumedAt === null
      ? payload
      : { ...payload, consumed: Math.floor(Date.parse(found.consumedAt) / 1000) };
  }

  async consume(id: string): Promise<void> {
    await this.store.repositories.oidcPayloads.consume(
      this.model,
      sha256Hex(id),
      new Date(this.clock()).toISOString(),
    );
  }

  async destroy(id: string): Promise<void> {
    await this.store.repositories.oidcPayloads.destroy(this.model, sha256Hex(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.repositories.oidcPayloads.revokeByGrant(sha256Hex(grantId));
  }
}

/** The registered clients, as oidc-provider reads them: metadata from the clients table. */
export class ClientAdapter implements Adapter {
  constructor(private readonly store: Store) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    // The client_id is the app's (or anyone's) to send, in a query, a form or a Basic header.
    if (!isStorableText(id)) return undefined;
    const found = await this.store.repositories.oidcClients.byId(id);
    if (!found) return undefined;
    const { client, secretHash } = found;
    return {
      client_id: client.id,
      client_name: client.name,
      // The hash stands in for the secret: provider-config.ts compares a presented secret's hash with it.
      ...(secretHash !== null && { client_secret: secretHash }),
      redirect_uris: [...client.redirectUris],
      post_logout_redirect_uris: [...client.postLogoutRedirectUris],
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      id_token_signed_response_alg: 'RS256',
      application_type: 'web',
    };
  }

  // Clients are registered through the admin API and the CLI, never by the provider itself.
  async upsert(): Promise<void> {
    throw new Error('OpenID Connect clients are registered through rollcall, not by the provider');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
