import type { Kysely, Selectable } from 'kysely';
import type { Database, SsoSessionTable } from '../database.js';

/** A session as stored: never the cookie's secret, only its SHA-256. */
export interface SsoSessionRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly directoryId: string;
  readonly userId: string;
  readonly nameId: string;
  readonly email: string;
  readonly sessionIndex: string | null;
  readonly created: string;
  readonly expires: string;
}

const toSession = (row: Selectable<SsoSessionTable>): SsoSessionRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  directoryId: row.directory_id,
  userId: row.user_id,
  nameId: row.name_id,
  email: row.email,
  sessionIndex: row.session_index,
  created: row.created_at,
  expires: row.expires_at,
});

/** SSO sessions, found by the hash of their cookie's secret. */
export class SsoSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(session: SsoSessionRecord, hash: string): Promise<void> {
    await this.db
      .insertInto('sso_sessions')
      .values({
        tenant_id: session.tenantId,
        id: session.id,
        hash,
        directory_id: session.directoryId,
        user_id: session.userId,
        name_id: session.nameId,
        email: session.email,
        session_index: session.sessionIndex,
        created_at: session.created,
        expires_at: session.expires,
      })
      .execute();
  }

  /** The unexpired session with this hash (one probe of the unique index). */
  async findByHash(hash: string, at: string): Promise<SsoSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sso_sessions')
      .selectAll()
      .where('hash', '=', hash)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async deleteByHash(hash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sso_sessions').where('hash', '=', hash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom('sso_sessions').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  /** Ends every session of a user (deactivated or deleted); returns how many. */
  async deleteForUser(tenantId: string, directoryId: string, userId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('sso_sessions')
      .where('tenant_id', '=', tenantId)
      .where('directory_id', '=', directoryId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(at: string): Promise<number> {
    const result = await this.db.deleteFrom('sso_sessions').where('expires_at', '<=', at).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
