import { ScimError } from '../../scim/errors.js';

/** Encodes and decodes one kind of cursor. */
export interface SeqCursor {
  encode(seq: number): string;
  decode(cursor: string): number;
}

/**
 * Cursors that name the seq of the last row served (seq only grows), so a walk stays correct while
 * rows are created or deleted: no row is served twice, and every row that exists for the whole walk
 * is served once. Opaque to clients; the version prefix (`c1`, `l1`…) versions the format and keeps
 * the cursors of different lists apart. A bad cursor is a 400 `invalidCursor`.
 */
export function seqCursor(version: string): SeqCursor {
  const pattern = new RegExp(`^${version}\\.([0-9a-z]{1,13})$`);
  return {
    encode: (seq) => `${version}.${seq.toString(36)}`,
    decode(cursor) {
      const match = pattern.exec(cursor);
      const seq = match ? Number.parseInt(match[1]!, 36) : Number.NaN;
      if (!Number.isSafeInteger(seq) || seq < 0)
        throw new ScimError(400, `Invalid cursor "${cursor}"`, 'invalidCursor');
      return seq;
    },
  };
}

/** RFC 9865 cursors of SCIM list walks (and the console's users pages). */
export const scimCursor = seqCursor('c1');
