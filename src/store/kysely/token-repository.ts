import type { Kysely, Selectable } from 'kysely';
import type { Database, DirectoryTable, ScimTokenTable } from '../database.js';
import type { DirectoryRecord, TokenRecord } from '../ports.js';

const toToken = (row: Selectable<ScimTokenTable>): TokenRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  prefix: row.prefix,
  created: row.created_at,
  lastUsed: row.last_used_at,
  expires: row.expires_at,
  revoked: row.revoked_at,
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
      })
      .execute();
  }

  /** The token with this hash and its directory, in one indexed query (this runs on every SCIM request). */
  async findByHash(hash: string): Promise<TokenWithDirectory | undefined> {
    const row = await this.db
      .selectFrom('scim_tokens as t')
      .innerJoin('directories as d', 'd.id', 't.directory_id')
      .selectAll('t')
      .select([
        'd.id as d_id',
        'd.tenant_id as d_tenant_id',
        'd.name as d_name',
        'd.settings as d_settings',
        'd.scim_enabled as d_scim_enabled',
        'd.created_at as d_created_at',
        'd.updated_at as d_updated_at',
      ])
      .where('t.hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const directory: Selectable<DirectoryTable> = {
      id: row.d_id,
      tenant_id: row.d_tenant_id,
      name: row.d_name,
      settings: row.d_settings,
      scim_enabled: row.d_scim_enabled,
      created_at: row.d_created_at,
      updated_at: row.d_updated_at,
    };
    return {
      token: toToken(row),
      hash: row.hash,
      directory: {
        id: directory.id,
        tenantId: directory.tenant_id,
        name: directory.name,
        settings: directory.settings,
        scimEnabled: directory.scim_enabled === 1,
        created: directory.created_at,
        updated: directory.updated_at,
      },
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

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('scim_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
