import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value did not open: made with another secret key, for another context, or altered. */
export class SealError extends Error {}

/** A key for one purpose, derived from the secret key (HKDF-SHA-256), so no two uses share a key. */
export function deriveKey(secretKey: Buffer, purpose: string, bytes = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'rollcall', purpose, bytes));
}

/**
 * AES-256-GCM with a key of its own per purpose. `context` (e.g. a row's id) is authenticated with
 * the value, so a sealed value copied to another row does not open there.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: Buffer, purpose: string) {
    this.key = deriveKey(secretKey, purpose);
  }

  /** version ‖ iv ‖ tag ‖ ciphertext, base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string, context: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION)
      throw new SealError('Not a sealed value of this rollcall');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new SealError('A sealed value did not open: it was sealed with another secret key, or altered', {
        cause: error,
      });
    }
  }
}
