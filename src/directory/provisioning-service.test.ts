import { describe, expect, it } from 'vitest';
import { coalesceMemberOps } from './provisioning-service.js';

describe('coalesceMemberOps', () => {
  it('merges runs of the same kind into one set-based change, keeping the order of different kinds', () => {
    const ops = coalesceMemberOps([
      { kind: 'remove', ids: ['a'] },
      { kind: 'remove', ids: ['b'] },
      { kind: 'add', members: [{ value: 'c' }] },
      { kind: 'add', members: [{ value: 'd' }] },
      { kind: 'remove', ids: ['c'] },
      { kind: 'removeAll' },
      { kind: 'removeAll' },
    ]);
    expect(ops).toEqual([
      { kind: 'remove', ids: ['a', 'b'] },
      { kind: 'add', members: [{ value: 'c' }, { value: 'd' }] },
      { kind: 'remove', ids: ['c'] },
      { kind: 'removeAll' },
      { kind: 'removeAll' },
    ]);
  });
});
