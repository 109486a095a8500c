import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { withStatementCache } from './statement-cache.js';

describe('withStatementCache', () => {
  let sqlite: SQLite.Database;

  beforeEach(() => {
    sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (n integer)');
    sqlite.exec('insert into t values (1), (2), (3)');
  });

  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  test('prepares a text once and binds new values each time', () => {
    const db = withStatementCache(sqlite);
    const first = db.prepare('select n from t where n > ?');
    expect(db.prepare('select n from t where n > ?')).toBe(first);
    expect(first.all([1])).toEqual([{ n: 2 }, { n: 3 }]);
    expect(first.all([2])).toEqual([{ n: 3 }]);
  });

  test('keeps no long text: a multi-row insert of a log batch is rarely seen twice', () => {
    const db = withStatementCache(sqlite);
    const text = `insert into t values ${Array.from({ length: 1000 }, () => '(?)').join(', ')}`;
    expect(db.prepare(text)).not.toBe(db.prepare(text));
  });

  test('holds at most `capacity` statements, dropping the least recently used', () => {
    const db = withStatementCache(sqlite, 2);
    const a = db.prepare('select 1');
    db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(a);
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(a);
    const two = db.prepare('select 2');
    expect(db.prepare('select 2')).toBe(two);
  });

  test('does not hand out a statement that is still iterating', () => {
    const db = withStatementCache(sqlite);
    const statement = db.prepare('select n from t order by n') as unknown as SQLite.Statement;
    const rows = statement.iterate();
    rows.next();
    const other = db.prepare('select n from t order by n') as unknown as SQLite.Statement;
    expect(other).not.toBe(statement);
    expect(other.all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    rows.return?.();
  });

  test('a cached statement runs on after another connection migrated the table under it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-cache-'));
    const file = join(dir, 'store.db');
    const mine = new SQLite(file);
    const theirs = new SQLite(file);
    try {
      mine.exec('create table r (id text primary key, a text)');
      mine.exec("insert into r values ('x', 'one')");
      const db = withStatementCache(mine);
      const byId = db.prepare('select * from r where id = ?');
      expect(byId.all(['x'])).toEqual([{ id: 'x', a: 'one' }]);
      // A migration by `rollcall migrate` (another process): a column added, then the table rebuilt.
      theirs.exec("alter table r add column b text default 'two'");
      expect(db.prepare('select * from r where id = ?')).toBe(byId);
      expect(byId.all(['x'])).toEqual([{ id: 'x', a: 'one', b: 'two' }]);
      theirs.exec("create table r2 (id text primary key, c integer); insert into r2 values ('x', 3)");
      theirs.exec('drop table r; alter table r2 rename to r');
      expect(db.prepare('select * from r where id = ?').all(['x'])).toEqual([{ id: 'x', c: 3 }]);
    } finally {
      mine.close();
      theirs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('closes the database', () => {
    withStatementCache(sqlite).close();
    expect(sqlite.open).toBe(false);
  });
});
