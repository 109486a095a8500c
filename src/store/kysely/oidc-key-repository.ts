import type { Kysely, Selectable } from 'kysely';
import type { Database, OidcSigningKeyTable } from '../database.js';

/** A signing key as stored: the private half still sealed. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly generation: number;
  readonly alg: string;
  readonly publicJwk: string;
  readonly sealedPrivateJwk: string;
  readonly created: string;
  readonly signsFrom: string;
}

const toKey = (row: Selectable<OidcSigningKeyTable>): StoredSigningKey => ({
  kid: row.kid,
  generation: row.generation,
  alg: row.alg,
  publicJwk: row.public_jwk,
  sealedPrivateJwk: row.sealed_private_jwk,
  created: row.created_at,
  signsFrom: row.signs_from,
});

/** The OpenID Provider's signing keys: a handful of rows (the signer, the next, the previous). */
export class OidcKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every stored key, newest generation first. */
  async all(): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('oidc_signing_keys')
      .selectAll()
      .orderBy('generation', 'desc')
      .execute();
    return rows.map(toKey);
  }

  /** Throws a unique violation when another node stored this generation first. */
  async insert(key: StoredSigningKey): Promise<void> {
    await this.db
      .insertInto('oidc_signing_keys')
      .values({
        kid: key.kid,
        generation: key.generation,
        alg: key.alg,
        public_jwk: key.publicJwk,
        sealed_private_jwk: key.sealedPrivateJwk,
        created_at: key.created,
        signs_from: key.signsFrom,
      })
      .execute();
  }

  /** Deletes the keys of generations below `generation`; returns how many. */
  async deleteBelow(generation: number): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_signing_keys')
      .where('generation', '<', generation)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
