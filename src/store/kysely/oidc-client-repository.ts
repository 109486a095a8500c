import type { Kysely, Selectable } from 'kysely';
import type { Database, OidcClientTable } from '../database.js';

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** An app registered to sign users in over OpenID Connect. */
export interface OidcClientRecord {
  readonly id: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly loginUri: string | null;
  /** How the app authenticates at the token endpoint; `none`: a public app (no secret, PKCE alone). */
  readonly tokenEndpointAuthMethod: ClientAuthMethod;
  readonly secretPrefix: string | null;
  readonly created: string;
}

const toClient = (row: Selectable<OidcClientTable>): OidcClientRecord => ({
  id: row.id,
  name: row.name,
  redirectUris: JSON.parse(row.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
  loginUri: row.login_uri,
  tokenEndpointAuthMethod: row.token_endpoint_auth_method as ClientAuthMethod,
  secretPrefix: row.secret_prefix,
  created: row.created_at,
});

/** The OpenID Provider's clients; a confidential client's secret is stored as a SHA-256 hash. */
export class OidcClientRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(client: OidcClientRecord, secretHash: string | null): Promise<void> {
    await this.db
      .insertInto('oidc_clients')
      .values({
        id: client.id,
        name: client.name,
        redirect_uris: JSON.stringify(client.redirectUris),
        post_logout_redirect_uris: JSON.stringify(client.postLogoutRedirectUris),
        login_uri: client.loginUri,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        secret_prefix: client.secretPrefix,
        secret_hash: secretHash,
        created_at: client.created,
      })
      .execute();
  }

  async byId(id: string): Promise<{ client: OidcClientRecord; secretHash: string | null } | undefined> {
    const row = await this.db.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { client: toClient(row), secretHash: row.secret_hash };
  }

  /** Every client, oldest first: a vendor registers a handful of apps. */
  async list(): Promise<OidcClientRecord[]> {
    const rows = await this.db
      .selectFrom('oidc_clients')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toClient);
  }

  /** Whether a client was deleted. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('oidc_clients').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
