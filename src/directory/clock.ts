import { randomFillSync } from 'node:crypto';

/** Now as the ISO-8601 UTC string every stored time uses. */
export function now(): string {
  return new Date().toISOString();
}

/**
 * Random bytes drawn 4 KiB at a time and used 10 per id (2 seed a millisecond's sequence, 8 are the
 * tail), as node:crypto's randomUUID caches its own: a call to the CSPRNG per id cost 1.5% of the
 * server's CPU in the update benchmark.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomBytes10(): Buffer {
  if (poolOffset + 10 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return bytes;
}
let lastMs = 0;
let sequence = 0;

/**
 * A new id: a UUIDv7 (RFC 9562 §5.7), time-ordered, so rows created together sit together in the
 * indexes keyed by id (users, groups, memberships): an insert touches the rightmost pages instead of
 * a random page of the whole index. Ids are opaque strings; earlier random (v4) ids stay valid.
 * Within a millisecond, the 12 bits after the version count up from a random start (§6.2, method
 * 1), so one process's ids strictly increase; 62 more random bits keep them unguessable enough for
 * ids (no id is a secret: those are separate random values).
 */
export function newId(): string {
  let ms = Date.now();
  const random = randomBytes10();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = random.readUInt16BE(0) & 0x7ff;
  } else {
    // The clock stood still or went back: keep counting on the last timestamp.
    ms = lastMs;
    sequence++;
    if (sequence > 0xfff) {
      lastMs = ms = lastMs + 1;
      sequence = 0;
    }
  }
  const variant = ((random[2]! & 0x3f) | 0x80).toString(16);
  const hex = `${ms.toString(16).padStart(12, '0')}7${sequence.toString(16).padStart(3, '0')}${variant}${random.toString('hex', 3, 10)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
