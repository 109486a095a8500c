import type {
  CompiledQuery,
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../src/store/database.js';
import type { DialectName, StoreDriver } from '../../src/store/dialects/dialect.js';
import { migrateToLatest } from '../../src/store/migrations/migrate.js';
import { openTestDriver } from './test-store.js';

/** Records every query a Kysely instance runs, as the database receives it. */
class CaptureQueries implements KyselyPlugin {
  readonly nodes: { node: RootOperationNode; queryId: PluginTransformQueryArgs['queryId'] }[] = [];

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push({ node: args.node, queryId: args.queryId });
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * A migrated store of the kind under test whose queries are recorded, so a test can run a
 * repository's real method and ask the database how it executes the SQL that method sent:
 * SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with sequential scans priced out (a small
 * test table would otherwise be read whole because that is cheapest; with seqscan off, a plan that
 * still reads a whole table has no index to use).
 */
export interface PlanProbe {
  readonly dialect: DialectName;
  /** The store's database; what runs through it is recorded. */
  readonly db: Kysely<Database>;
  /** Forgets the queries recorded so far. */
  reset(): void;
  /** The queries recorded since the last reset, compiled as they were sent. */
  queries(): CompiledQuery[];
  /** The plan of a query, one line per step. */
  explain(query: CompiledQuery): Promise<string>;
  /** Runs `work`, then explains every query it sent (there must be one); returns the plans. */
  plansOf(work: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

export async function openPlanProbe(): Promise<PlanProbe> {
  const { driver, close } = await openTestDriver();
  await migrateToLatest(driver);
  const capture = new CaptureQueries();
  const db = driver.db.withPlugin(capture);
  const probe: PlanProbe = {
    dialect: driver.name,
    db,
    reset: () => {
      capture.nodes.length = 0;
    },
    queries: () =>
      capture.nodes.map(({ node, queryId }) => driver.db.getExecutor().compileQuery(node, queryId)),
    explain: (query) => explain(driver, query),
    async plansOf(work) {
      probe.reset();
      await work();
      const queries = probe.queries();
      if (queries.length === 0) throw new Error('the work sent no query to explain');
      return Promise.all(queries.map((q) => probe.explain(q)));
    },
    close,
  };
  return probe;
}

async function explain(driver: StoreDriver, query: CompiledQuery): Promise<string> {
  if (driver.name === 'sqlite') {
    const { rows } = await driver.db.executeQuery<{ detail: string }>({
      ...query,
      sql: `explain query plan ${query.sql}`,
    });
    return rows.map((r) => r.detail).join('\n');
  }
  return driver.db.connection().execute(async (connection) => {
    await sql`set enable_seqscan = off`.execute(connection);
    try {
      const { rows } = await connection.executeQuery<{ 'QUERY PLAN': string }>({
        ...query,
        sql: `explain ${query.sql}`,
      });
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await sql`reset enable_seqscan`.execute(connection);
    }
  });
}

/** An index condition that names only the scope: it reads the whole directory. */
const SCOPE_ONLY =
  /^\s*(?:Index Cond|Recheck Cond): \(\(tenant_id = '[^']*'::text\) AND \(directory_id = '[^']*'::text\)(?: AND \(deleted_at IS NULL\))?\)$/;

/**
 * The steps of a plan that read a whole table, or a whole directory of it: SQLite's SCAN of a table
 * (`derived`: names of subqueries, whose rows a query already bounded); PostgreSQL's Seq Scan, or
 * an index scan whose condition is only the scope, unless a Limit right above it stops it early (a
 * bitmap never stops early).
 */
export function wholeReads(dialect: DialectName, plan: string, derived: readonly string[] = []): string[] {
  const lines = plan.split('\n');
  if (dialect === 'sqlite')
    return lines.filter((line) => {
      const scan = /\bSCAN (\S+)/.exec(line);
      return scan !== null && !derived.includes(scan[1]!) && !scan[1]!.startsWith('(');
    });
  const bad: string[] = [];
  for (const [i, line] of lines.entries()) {
    const node =
      /(Seq Scan|Bitmap Index Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using| on) (\S+)/.exec(line);
    if (!node) continue;
    // The running counts' key is (tenant_id, directory_id): a probe of one row, not a whole read.
    if (node[2] === 'directory_counts_pk') continue;
    const details = [];
    for (let j = i + 1; j < lines.length && !lines[j]!.includes('->'); j++) details.push(lines[j]!);
    const conditions = details.filter((d) => d.includes('Index Cond:'));
    const limited = node[1] !== 'Bitmap Index Scan' && /^\s*(->\s*)?Limit\b/.test(lines[i - 1] ?? '');
    const scopeOnly = conditions.every((c) => SCOPE_ONLY.test(c)) && !limited;
    if (node[1] === 'Seq Scan' || conditions.length === 0 || scopeOnly) bad.push(line.trim());
  }
  return bad;
}
