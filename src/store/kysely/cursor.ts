import { ScimError } from '../../scim/errors.js';

/**
 * RFC 9865 cursors. A cursor is the seq of the last row served (seq only grows), so a walk stays
 * correct while rows are created or deleted: no row is served twice, and every row that exists for
 * the whole walk is served once. Opaque to clients; the "c1." prefix versions the format.
 */
export function encodeCursor(seq: number): string {
  return `c1.${seq.toString(36)}`;
}

export function decodeCursor(cursor: string): number {
  const match = /^c1\.([0-9a-z]{1,13})$/.exec(cursor);
  const seq = match ? Number.parseInt(match[1]!, 36) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new ScimError(400, `Invalid cursor "${cursor}"`, 'invalidCursor');
  return seq;
}
