import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecretKey, SECRET_KEY_FILE, SecretKeyError } from './secret-key.js';

const folders: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-key-'));
  folders.push(dir);
  return join(dir, 'data');
}
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadSecretKey', () => {
  it("creates the embedded store's key file on first start, readable by its owner only, and keeps it", () => {
    const dir = dataDir();
    const first = loadSecretKey({ dataDir: dir }, {});
    expect(first.length).toBe(32);
    const file = join(dir, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ dataDir: dir }, {}).equals(first)).toBe(true);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
  });

  it('takes ROLLCALL_SECRET_KEY over the file', () => {
    const key = randomBytes(32);
    const dir = dataDir();
    expect(loadSecretKey({ dataDir: dir }, { ROLLCALL_SECRET_KEY: key.toString('base64') }).equals(key)).toBe(
      true,
    );
  });

  it('requires ROLLCALL_SECRET_KEY with PostgreSQL, so every node has the same key', () => {
    const config = { dataDir: dataDir(), databaseUrl: 'postgres://db.test/rollcall' };
    expect(() => loadSecretKey(config, {})).toThrow(/ROLLCALL_SECRET_KEY/);
    const key = randomBytes(32);
    expect(loadSecretKey(config, { ROLLCALL_SECRET_KEY: key.toString('base64') }).equals(key)).toBe(true);
  });

  it('refuses a short or malformed key', () => {
    const dir = dataDir();
    expect(() =>
      loadSecretKey({ dataDir: dir }, { ROLLCALL_SECRET_KEY: randomBytes(16).toString('base64') }),
    ).toThrow(SecretKeyError);
    expect(() => loadSecretKey({ dataDir: dir }, { ROLLCALL_SECRET_KEY: 'not a key!' })).toThrow(
      SecretKeyError,
    );
    loadSecretKey({ dataDir: dir }, {});
    writeFileSync(join(dir, SECRET_KEY_FILE), 'short\n');
    expect(() => loadSecretKey({ dataDir: dir }, {})).toThrow(SecretKeyError);
  });
});
