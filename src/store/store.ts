import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { DialectName, StoreDriver } from './dialects/dialect.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import { ApiKeyRepository } from './kysely/api-key-repository.js';
import { ConsoleRepository } from './kysely/console-repository.js';
import { EventRepository } from './kysely/event-repository.js';
import { GroupRepository } from './kysely/group-repository.js';
import { LifecycleRepository } from './kysely/lifecycle-repository.js';
import { LogRepository } from './kysely/log-repository.js';
import { OidcAccountRepository } from './kysely/oidc-account-repository.js';
import { OidcClientRepository } from './kysely/oidc-client-repository.js';
import { OidcKeyRepository } from './kysely/oidc-key-repository.js';
import { OidcPayloadRepository } from './kysely/oidc-payload-repository.js';
import { SamlRepository } from './kysely/saml-repository.js';
import { SsoSessionRepository } from './kysely/sso-session-repository.js';
import { TenantRepository } from './kysely/tenant-repository.js';
import { TenantUserRepository } from './kysely/tenant-user-repository.js';
import { TokenRepository } from './kysely/token-repository.js';
import { UserPageRepository } from './kysely/user-page-repository.js';
import { UserRepository } from './kysely/user-repository.js';
import { migrateToLatest, type SchemaStatus, schemaStatus, verifySchema } from './migrations/migrate.js';

export interface Repositories {
  readonly users: UserRepository;
  /** The console's users pages and user counts. */
  readonly userPages: UserPageRepository;
  readonly groups: GroupRepository;
  readonly tenants: TenantRepository;
  readonly tokens: TokenRepository;
  readonly logs: LogRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly events: EventRepository;
  readonly lifecycle: LifecycleRepository;
  readonly oidcClients: OidcClientRepository;
  readonly oidcKeys: OidcKeyRepository;
  readonly oidcPayloads: OidcPayloadRepository;
  readonly oidcAccounts: OidcAccountRepository;
  readonly saml: SamlRepository;
  readonly ssoSessions: SsoSessionRepository;
  readonly tenantUsers: TenantUserRepository;
  readonly console: ConsoleRepository;
}

export interface StoreOptions {
  /** Folder of the embedded SQLite store (`rollcall.db` inside it). */
  readonly dataDir?: string;
  /** An explicit SQLite file (`:memory:` for throwaway tests); wins over dataDir. */
  readonly sqliteFile?: string;
  /** A `postgres://` URL: the store many rollcall nodes share. Wins over the SQLite options. */
  readonly databaseUrl?: string;
  /** PostgreSQL connections this process may hold (default 10). */
  readonly poolSize?: number;
  /** Named PostgreSQL statements for the hot queries (default true); off for PgBouncer's transaction pooling. */
  readonly preparedStatements?: boolean;
  /** Called when an idle pooled PostgreSQL connection fails (server restart, failover). */
  readonly onConnectionError?: (error: Error) => void;
  /**
   * 'apply' (default): run pending migrations on open. 'verify': change nothing, and refuse to
   * open unless the schema is exactly what this build expects. Both refuse a newer schema.
   */
  readonly migrations?: 'apply' | 'verify';
  /** SQLite: checkpoint the WAL from a worker thread, off the requests' commits (a long-running server). */
  readonly backgroundCheckpoints?: boolean;
}

function openDriver(options: StoreOptions): StoreDriver {
  if (options.databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(options.databaseUrl))
      throw new Error('The database URL must be a postgres:// (or postgresql://) URL');
    return openPostgres(options.databaseUrl, {
      ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
      ...(options.preparedStatements !== undefined && { preparedStatements: options.preparedStatements }),
      ...(options.onConnectionError && { onIdleError: options.onConnectionError }),
    });
  }
  return openSqlite(options.sqliteFile ?? join(options.dataDir ?? './data', 'rollcall.db'), {
    ...(options.backgroundCheckpoints && { backgroundCheckpoints: true }),
  });
}

function repositoriesOf(db: Kysely<Database>, dialect: DialectName): Repositories {
  return {
    users: new UserRepository(db, dialect),
    userPages: new UserPageRepository(db, dialect),
    groups: new GroupRepository(db, dialect),
    tenants: new TenantRepository(db, dialect),
    tokens: new TokenRepository(db),
    logs: new LogRepository(db),
    apiKeys: new ApiKeyRepository(db),
    events: new EventRepository(db),
    lifecycle: new LifecycleRepository(db),
    oidcClients: new OidcClientRepository(db),
    oidcKeys: new OidcKeyRepository(db),
    oidcPayloads: new OidcPayloadRepository(db),
    oidcAccounts: new OidcAccountRepository(db),
    saml: new SamlRepository(db),
    ssoSessions: new SsoSessionRepository(db),
    tenantUsers: new TenantUserRepository(db),
    console: new ConsoleRepository(db),
  };
}

/** The persistence layer: repositories over one database, and transactions across them. */
export class Store {
  readonly repositories: Repositories;

  private constructor(
    private readonly driver: StoreDriver,
    /** The migrations this open ran. */
    readonly migrated: readonly string[] = [],
    /** Set on the Store a unit of work hands out: its repositories use the open transaction. */
    private readonly inTransaction?: Repositories,
    /** A unit of work's Store: what runs once its transaction has committed. */
    private readonly onCommit?: Array<() => void>,
  ) {
    this.repositories = inTransaction ?? repositoriesOf(driver.db, driver.name);
  }

  /**
   * The same object for this Store and the Stores its units of work hand out: one opened database.
   * Caches this process keeps over the database are keyed by it (directory/verified-tokens.ts).
   */
  get identity(): object {
    return this.driver;
  }

  /**
   * Runs `effect` once what this Store wrote is committed: now, or in a unit of work when its
   * transaction commits (never, if it rolls back). For in-process effects of a change, such as
   * dropping a cache, that must not happen before other requests can read the change.
   */
  afterCommit(effect: () => void): void {
    if (this.onCommit) this.onCommit.push(effect);
    else effect();
  }

  static async open(options: StoreOptions): Promise<Store> {
    const driver = openDriver(options);
    try {
      if (options.migrations === 'verify') {
        await verifySchema(driver);
        return new Store(driver);
      }
      return new Store(driver, await migrateToLatest(driver));
    } catch (error) {
      await driver.close();
      throw error;
    }
  }

  get dialect(): DialectName {
    return this.driver.name;
  }

  /** Migrations applied, pending and unknown to this build; throws when the database is unreachable. */
  schemaStatus(): Promise<SchemaStatus> {
    return schemaStatus(this.driver);
  }

  isUniqueViolation(error: unknown): boolean {
    return this.driver.isUniqueViolation(error);
  }

  /**
   * Runs `work` in one transaction on one connection. SQLite takes the write lock up front
   * (BEGIN IMMEDIATE) so that a read-modify-write never fails half-way on a lock upgrade when a
   * CLI process writes the same file.
   */
  async transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    // Inside a unit of work, a nested transaction is part of the one already open.
    if (this.inTransaction) return work(this.inTransaction);
    return this.driver.db.connection().execute(async (connection) => {
      await sql.raw(this.driver.name === 'sqlite' ? 'begin immediate' : 'begin').execute(connection);
      try {
        const result = await work(repositoriesOf(connection, this.driver.name));
        await sql.raw('commit').execute(connection);
        return result;
      } catch (error) {
        // A rollback on a broken connection fails too; the error worth reporting is the first.
        await sql
          .raw('rollback')
          .execute(connection)
          .catch(() => {});
        throw error;
      }
    });
  }

  /**
   * Runs `work` in one transaction with a Store whose repositories, and whose own transactions,
   * all use it: services built on that Store change things together or not at all (a console
   * change and its audit row). Whatever `work` throws rolls everything back.
   */
  async unitOfWork<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    const onCommit: Array<() => void> = [];
    const result = await this.transaction((repositories) =>
      work(new Store(this.driver, this.migrated, repositories, onCommit)),
    );
    for (const effect of onCommit) effect();
    return result;
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
