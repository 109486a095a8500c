import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { StoreDriver } from './dialect.js';
import { openSqlite } from './sqlite.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from './sqlite-checkpointer.js';

/**
 * Background checkpoints (`rollcall start`): the WAL's pages reach the database file without a
 * commit checkpointing. About 2 MB is written, below SQLite's own threshold of 1,000 pages, so
 * without the worker the file would stay as created.
 */
describe('SQLite checkpoints from a worker thread', () => {
  let dir: string;
  let file: string;
  let driver: StoreDriver | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-checkpoint-'));
    file = join(dir, 'rollcall.db');
  });

  afterEach(async () => {
    await driver?.close();
    driver = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function writeAbout2MB(opened: StoreDriver): Promise<void> {
    await sql`create table filler (n integer primary key, text text)`.execute(opened.db);
    for (let batch = 0; batch < 20; batch++)
      await sql`with recursive c(i) as (select 1 union all select i + 1 from c where i < 100)
        insert into filler (text) select hex(randomblob(512)) from c`.execute(opened.db);
  }

  async function fileSizeAfter(ms: number, atLeast: number): Promise<number> {
    const until = Date.now() + ms;
    let size = statSync(file).size;
    while (size < atLeast && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      size = statSync(file).size;
    }
    return size;
  }

  test('copy committed pages into the database file while the server runs', async () => {
    driver = openSqlite(file, { backgroundCheckpoints: true });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(driver.db);
    expect(rows[0]!.wal_autocheckpoint).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
    await writeAbout2MB(driver);
    expect(await fileSizeAfter(5_000, 2_000_000)).toBeGreaterThanOrEqual(2_000_000);
  });

  test('are not run without the option: the pages stay in the WAL until SQLite’s threshold', async () => {
    driver = openSqlite(file);
    await writeAbout2MB(driver);
    expect(await fileSizeAfter(600, 2_000_000)).toBeLessThan(100_000);
  });
});
