import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { InvalidValueError } from '../../scim/errors.js';

/**
 * PostgreSQL text holds no U+0000 (NUL), and refuses other text its encoding cannot hold: as a
 * query's parameter (22021 character_not_in_repertoire, "invalid byte sequence for encoding") or in
 * JSON it casts to jsonb (22P05 untranslatable_character, "unsupported Unicode escape sequence").
 * Such a value is the client's mistake, not the server's: it is answered as InvalidValueError (SCIM
 * 400 invalidValue, the API's INVALID_VALUE), not a 500. SQLite could store a NUL; it refuses one
 * in a parameter all the same, so both stores answer alike.
 */
export const UNSTORABLE_TEXT_DETAIL =
  'A value holds a character that cannot be stored (U+0000, the NUL character, or text that is not valid Unicode)';

const INVALID_TEXT_CODES = new Set(['22021', '22P05']);

/** Whether PostgreSQL refused a query because of text it cannot hold. */
export function isUnstorableTextError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    INVALID_TEXT_CODES.has(String((error as { code: unknown }).code))
  );
}

/** What a dialect checks around each query. */
export interface TextRules {
  /** Throws before the query runs (SQLite: a parameter with a NUL). */
  readonly before?: (query: CompiledQuery) => void;
  /** The error to throw instead of the driver's (PostgreSQL: its text errors). */
  readonly mapError?: (error: unknown) => unknown;
}

/** SQLite: refuse a text parameter with a NUL, as PostgreSQL would. */
export const SQLITE_TEXT_RULES: TextRules = {
  before: (query) => {
    for (const parameter of query.parameters)
      if (typeof parameter === 'string' && parameter.includes('\u0000'))
        throw new InvalidValueError(UNSTORABLE_TEXT_DETAIL);
  },
};

/** PostgreSQL: its own refusal of such text, as InvalidValueError. */
export const POSTGRES_TEXT_RULES: TextRules = {
  mapError: (error) => (isUnstorableTextError(error) ? new InvalidValueError(UNSTORABLE_TEXT_DETAIL) : error),
};

class CheckedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly rules: TextRules,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.rules.before?.(query);
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.rules.mapError ? this.rules.mapError(error) : error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    this.rules.before?.(query);
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

const innerOf = (connection: DatabaseConnection) =>
  connection instanceof CheckedConnection ? connection.inner : connection;

/** A driver whose connections apply `rules` to every query; the rest is the driver's own. */
export class TextCheckingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly rules: TextRules,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new CheckedConnection(await this.inner.acquireConnection(), this.rules);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(innerOf(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(innerOf(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(innerOf(connection));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.savepoint?.(innerOf(connection), name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(innerOf(connection), name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.(innerOf(connection), name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
