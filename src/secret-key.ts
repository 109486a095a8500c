import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file the embedded store keeps its secret key in, beside rollcall.db. */
export const SECRET_KEY_FILE = 'secret.key';
/** Bytes of a secret key: AES-256 and HMAC-SHA-256 keys are derived from it. */
const KEY_BYTES = 32;

/** The secret key is missing, malformed or cannot be written. */
export class SecretKeyError extends Error {}

function decode(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+=*$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length < KEY_BYTES)
    throw new SecretKeyError(
      `${where} must be at least ${KEY_BYTES} random bytes, base64-encoded (make one with: openssl rand -base64 32)`,
    );
  return key;
}

/** Creates the key file once; another process creating it at the same time wins and is read instead. */
function createKeyFile(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
  try {
    // link() fails if the name exists, so the key appears whole and only once.
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * The secret key that seals what rollcall keeps secret at rest (the OpenID Provider's signing keys
 * and records) and keys its cookies. `ROLLCALL_SECRET_KEY` wins. Without it, the embedded store keeps
 * one in `{data}/secret.key`, created on first start; PostgreSQL requires the variable, since every
 * node must hold the same key and no node's disk is shared.
 */
export function loadSecretKey(
  config: { readonly dataDir: string; readonly databaseUrl?: string },
  env: NodeJS.ProcessEnv = process.env,
): Buffer {
  const fromEnv = env.ROLLCALL_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decode(fromEnv, 'ROLLCALL_SECRET_KEY');
  if (config.databaseUrl !== undefined)
    throw new SecretKeyError(
      'Set ROLLCALL_SECRET_KEY when rollcall runs on PostgreSQL: every node must share one secret key ' +
        '(make one with: openssl rand -base64 32, and give the same value to every node)',
    );
  const file = join(config.dataDir, SECRET_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    createKeyFile(config.dataDir, file);
    text = readFileSync(file, 'utf8');
  }
  return decode(text, file);
}
