import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { DialectName, StoreDriver } from './dialects/dialect.js';
import { openSqlite } from './dialects/sqlite.js';
import { GroupRepository } from './kysely/group-repository.js';
import { LogRepository } from './kysely/log-repository.js';
import { TenantRepository } from './kysely/tenant-repository.js';
import { TokenRepository } from './kysely/token-repository.js';
import { UserRepository } from './kysely/user-repository.js';
import { migrateToLatest } from './migrations/migrate.js';

export interface Repositories {
  readonly users: UserRepository;
  readonly groups: GroupRepository;
  readonly tenants: TenantRepository;
  readonly tokens: TokenRepository;
  readonly logs: LogRepository;
}

export interface StoreOptions {
  /** Folder of the embedded SQLite store (`rollcall.db` inside it). */
  readonly dataDir?: string;
  /** An explicit SQLite file (`:memory:` for throwaway tests); wins over dataDir. */
  readonly sqliteFile?: string;
}

function repositoriesOf(db: Kysely<Database>, dialect: DialectName): Repositories {
  return {
    users: new UserRepository(db, dialect),
    groups: new GroupRepository(db, dialect),
    tenants: new TenantRepository(db),
    tokens: new TokenRepository(db),
    logs: new LogRepository(db),
  };
}

/** The persistence layer: repositories over one database, and transactions across them. */
export class Store {
  readonly repositories: Repositories;

  private constructor(private readonly driver: StoreDriver) {
    this.repositories = repositoriesOf(driver.db, driver.name);
  }

  static async open(options: StoreOptions): Promise<Store> {
    const file = options.sqliteFile ?? join(options.dataDir ?? './data', 'rollcall.db');
    const driver = openSqlite(file);
    await migrateToLatest(driver);
    return new Store(driver);
  }

  get dialect(): DialectName {
    return this.driver.name;
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
    return this.driver.db.connection().execute(async (connection) => {
      await sql.raw(this.driver.name === 'sqlite' ? 'begin immediate' : 'begin').execute(connection);
      try {
        const result = await work(repositoriesOf(connection, this.driver.name));
        await sql.raw('commit').execute(connection);
        return result;
      } catch (error) {
        await sql.raw('rollback').execute(connection);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
