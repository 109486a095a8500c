import { createHash, generateKeyPair, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import type { StoredSigningKey } from '../store/kysely/oidc-key-repository.js';
import type { Store } from '../store/store.js';
import { SealError, SecretBox } from './secret-box.js';

const generateRsa = promisify(generateKeyPair);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const SIGNING_ALG = 'RS256';

/** When keys change. Every node computes the same answers from the stored keys and the time. */
export interface RotationPolicy {
  /** How long a key signs before the next one takes over. */
  readonly rotateAfterMs: number;
  /** How long a new key is published before it signs, so every node and every verifier's JWKS cache has it first. */
  readonly prepublishMs: number;
  /** How long a key stays published after it stopped signing: the longest life of what it signed, plus clock skew. */
  readonly retainMs: number;
}

/** ID tokens live an hour (see provider-config.ts); a retired key outlives the last of them by a margin. */
export const DEFAULT_ROTATION: RotationPolicy = {
  rotateAfterMs: 30 * DAY,
  prepublishMs: DAY,
  retainMs: HOUR + 10 * 60_000,
};

/** The secret key does not open the stored signing keys: this node has another key than the one that sealed them. */
export class SecretKeyMismatchError extends Error {}

export interface SigningKeySet {
  /** Private JWKs for the provider, the one that signs now first. */
  readonly keys: readonly JsonWebKey[];
  readonly signingKid: string;
  /** The kids in publish order: when it changes, the provider is rebuilt. */
  readonly fingerprint: string;
}

/** RFC 7638 thumbprint of an RSA public key: a kid that says which key it is. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest('base64url');
}

/**
 * The OpenID Provider's signing keys, shared by every node through the database: generated here,
 * sealed with the secret key at rest, rotated on a schedule. A new key is published `prepublishMs`
 * before it signs; the key it replaces stays published `retainMs` after, until what it signed expired.
 */
export class SigningKeys {
  private readonly box: SecretBox;
  private readonly opened = new Map<string, JsonWebKey>();

  constructor(
    private readonly store: Store,
    secretKey: Buffer,
    private readonly policy: RotationPolicy = DEFAULT_ROTATION,
    private readonly clock: () => number = Date.now,
  ) {
    this.box = new SecretBox(secretKey, 'oidc signing keys');
  }

  /** Opens every stored key, so a node started with the wrong secret key stops at start, not at its first sign-in. */
  async verifySecretKey(): Promise<void> {
    for (const key of await this.store.repositories.oidcKeys.all()) this.open(key);
  }

  /**
   * The key set as of now, after doing what is due: the first key, the next key when the current one
   * nears the end of its term, and dropping keys past retention. Safe on several nodes at once.
   */
  async current(): Promise<SigningKeySet> {
    const at = this.clock();
    let keys = await this.store.repositories.oidcKeys.all();
    if (keys.length === 0) keys = await this.add(1, at, keys);
    let signer = signerAt(keys, at);
    const newest = keys[0]!;
    if (
      newest === signer &&
      at >= Date.parse(signer.signsFrom) + this.policy.rotateAfterMs - this.policy.prepublishMs
    ) {
      const signsFrom = Math.max(
        at + this.policy.prepublishMs,
        Date.parse(signer.signsFrom) + this.policy.rotateAfterMs,
      );
      keys = await this.add(newest.generation + 1, signsFrom, keys);
      signer = signerAt(keys, at);
    }
    const published = this.published(keys, signer, at);
    const oldest = published.at(-1)!;
    if (oldest.generation > keys.at(-1)!.generation)
      await this.store.repositories.oidcKeys.deleteBelow(oldest.generation);
    const ordered = [signer, ...published.filter((key) => key !== signer)];
    return {
      keys: ordered.map((key) => this.open(key)),
      signingKid: signer.kid,
      fingerprint: ordered.map((key) => key.kid).join(' '),
    };
  }

  /** Newest first: keys not yet signing, the signer, and older keys whose retention has not run out. */
  private published(
    keys: readonly StoredSigningKey[],
    signer: StoredSigningKey,
    at: number,
  ): StoredSigningKey[] {
    return keys.filter((key, i) => {
      if (key.generation >= signer.generation) return true;
      // A key stopped signing when the next generation started.
      const successor = keys[i - 1]!;
      return at < Date.parse(successor.signsFrom) + this.policy.retainMs;
    });
  }

  /** Stores a new key of `generation`; another node storing it first is fine: its key is used. */
  private async add(
    generation: number,
    signsFrom: number,
    known: readonly StoredSigningKey[],
  ): Promise<StoredSigningKey[]> {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = thumbprint(jwk);
    const full = { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' };
    const { kty, n, e } = jwk;
    const stored: StoredSigningKey = {
      kid,
      generation,
      alg: SIGNING_ALG,
      publicJwk: JSON.stringify({ kty, n, e, kid, alg: SIGNING_ALG, use: 'sig' }),
      sealedPrivateJwk: this.box.seal(JSON.stringify(full), kid),
      created: new Date(this.clock()).toISOString(),
      signsFrom: new Date(signsFrom).toISOString(),
    };
    try {
      await this.store.repositories.oidcKeys.insert(stored);
      return [stored, ...known];
    } catch (error) {
      if (!this.store.isUniqueViolation(error)) throw error;
      return this.store.repositories.oidcKeys.all();
    }
  }

  private open(key: StoredSigningKey): JsonWebKey {
    let jwk = this.opened.get(key.kid);
    if (!jwk) {
      try {
        jwk = JSON.parse(this.box.open(key.sealedPrivateJwk, key.kid)) as JsonWebKey;
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        throw new SecretKeyMismatchError(
          'The secret key does not open the OpenID Connect signing keys in the database: this node was started ' +
            'with another secret key than the one that sealed them. Give every node the same ROLLCALL_SECRET_KEY ' +
            "(embedded store: restore the data folder's secret.key).",
          { cause: error },
        );
      }
      this.opened.set(key.kid, jwk);
    }
    return jwk;
  }
}

/** The newest key whose term has begun; the oldest key when a clock runs behind every key. */
function signerAt(keys: readonly StoredSigningKey[], at: number): StoredSigningKey {
  return keys.find((key) => Date.parse(key.signsFrom) <= at) ?? keys.at(-1)!;
}
