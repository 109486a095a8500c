import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open database plus what differs between the SQL dialects. */
export interface StoreDriver {
  readonly name: DialectName;
  readonly db: Kysely<Database>;
  /** Whether an error thrown by the driver is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}
