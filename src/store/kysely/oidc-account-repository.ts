import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

/**
 * Which tenant each account signed in over OpenID Connect belongs to. The provider knows an account
 * only by its id (the SCIM user id, the `sub`); claims need the tenant to read the user's current state.
 */
export class OidcAccountRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(accountId: string, tenantId: string, at: string): Promise<void> {
    await this.db
      .insertInto('oidc_accounts')
      .values({ account_id: accountId, tenant_id: tenantId, signed_in_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ tenant_id: tenantId, signed_in_at: at }))
      .execute();
  }

  async tenantOf(accountId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('oidc_accounts')
      .select('tenant_id')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row?.tenant_id;
  }

  /** Forgets accounts that last signed in before `before` (no session or token of theirs can be live). */
  async purgeSignedInBefore(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_accounts')
      .where('signed_in_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
