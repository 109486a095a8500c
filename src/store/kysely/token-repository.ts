import type { Kysely, Selectable } from 'kysely';
import type { Database, ScimTokenTable } from '../database.js';
import type { DirectoryRecord, TokenRecord, TokenScope } from '../ports.js';
import { tokenByHash } from './hot-queries.js';
import { toDirectory } from './tenant-repository.js';

const toToken = (row: Selectable<ScimTokenTable>): TokenRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  prefix: row.prefix,
  created: row.created_at,
  lastUsed: row.last_used_at,
  expires: row.expires_at,
  revoked: row.revoked_at,
  scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as TokenScope[]),
  expiryWarned: row.expiry_warned_at,
});

export interface TokenWithDirectory {
  readonly token: TokenRecord;
  readonly hash: string;
  readonly directory: DirectoryRecord;
}

/** SCIM bearer tokens, stored as SHA-256 hashes. */
export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: TokenRecord, hash: string): Promise<void> {
    await this.db
      .insertInto('scim_tokens')
      .values({
        id: token.id,
        tenant_id: token.tenantId,
        directory_id: token.directoryId,
        prefix: token.prefix,
        hash,
        created_at: token.created,
        last_used_at: token.lastUsed,
        expires_at: token.expires,
        revoked_at: token.revoked,
        scopes: token.scopes === null ? null : JSON.stringify(token.scopes),
        expiry_warned_at: null,
      })
      .execute();
  }

  /** The token with this hash and its directory, in one indexed query (this runs on every SCIM request). */
  async findByHash(hash: string): Promise<TokenWithDirectory | undefined> {
    const row = await tokenByHash.first(this.db, { hash });
    if (!row) return undefined;
    const directory = toDirectory({
      id: row.d_id,
      tenant_id: row.d_tenant_id,
      name: row.d_name,
      settings: row.d_settings,
      scim_enabled: row.d_scim_enabled,
      created_at: row.d_created_at,
      updated_at: row.d_updated_at,
      deprovision_paused_at: row.d_deprovision_paused_at,
      deprovision_released_at: row.d_deprovision_released_at,
    });
    return {
      token: toToken(row),
      hash: row.hash,
      directory,
    };
  }

  async byId(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('scim_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toToken(row);
  }

  async listFor(directoryId: string): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom('scim_tokens')
      .selectAll()
      .where('directory_id', '=', directoryId)
      .orderBy('created_at')
      .execute();
    return rows.map(toToken);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('scim_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Tokens expiring before `before` that have not been warned about yet. */
  async expiringUnwarned(before: string, now: string): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom('scim_tokens')
      .selectAll()
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', before)
      .where('expires_at', '>', now)
      .where('revoked_at', 'is', null)
      .where('expiry_warned_at', 'is', null)
      .execute();
    return rows.map(toToken);
  }

  /** Marks the expiry warning as raised; false if another node raised it first. */
  async markExpiryWarned(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('scim_tokens')
      .set({ expiry_warned_at: at })
      .where('id', '=', id)
      .where('expiry_warned_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('scim_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
