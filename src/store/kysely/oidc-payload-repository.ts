import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

/** One of oidc-provider's records, addressed by hashes of its ids; the payload sealed by the caller. */
export interface PayloadRow {
  readonly model: string;
  readonly idHash: string;
  readonly sealedPayload: string;
  readonly grantHash: string | null;
  readonly uidHash: string | null;
  readonly userCodeHash: string | null;
  readonly expiresAt: string | null;
}

export interface FoundPayload {
  readonly idHash: string;
  readonly sealedPayload: string;
  readonly consumedAt: string | null;
}

/** Lookups a record can be found by besides its id. */
export type PayloadKey = 'uid_hash' | 'user_code_hash';

/**
 * oidc-provider's sessions, interactions, codes, tokens and grants in the shared database, so every
 * node can serve every step of a sign-in. Expired rows are never returned and are purged in bulk.
 */
export class OidcPayloadRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(row: PayloadRow): Promise<void> {
    const values = {
      sealed_payload: row.sealedPayload,
      grant_hash: row.grantHash,
      uid_hash: row.uidHash,
      user_code_hash: row.userCodeHash,
      expires_at: row.expiresAt,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({ model: row.model, id_hash: row.idHash, consumed_at: null, ...values })
      .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(values))
      .execute();
  }

  /** The live record of `model` whose `key` (the id's hash by default) is `hash`. */
  async find(model: string, hash: string, now: string, key: 'id_hash' | PayloadKey = 'id_hash') {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['id_hash', 'sealed_payload', 'consumed_at'])
      .where('model', '=', model)
      .where(key, '=', hash)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row && { idHash: row.id_hash, sealedPayload: row.sealed_payload, consumedAt: row.consumed_at };
  }

  async consume(model: string, idHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('oidc_payloads')
      .set({ consumed_at: at })
      .where('model', '=', model)
      .where('id_hash', '=', idHash)
      .execute();
  }

  async destroy(model: string, idHash: string): Promise<void> {
    await this.db
      .deleteFrom('oidc_payloads')
      .where('model', '=', model)
      .where('id_hash', '=', idHash)
      .execute();
  }

  /** Deletes every record of a grant (its codes, tokens and the grant itself), of any model. */
  async revokeByGrant(grantHash: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('grant_hash', '=', grantHash).execute();
  }

  /** Deletes records that expired before `now`; returns how many. */
  async purgeExpired(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_payloads')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
