import { describe, expect, test } from 'vitest';
import { newId } from './clock.js';

describe('newId', () => {
  test('is a UUIDv7 (RFC 9562) whose timestamp is now', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  test('strictly increases, many to a millisecond, and never repeats', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20_000; i++) ids.push(newId());
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++)
      if (!(ids[i - 1]! < ids[i]!)) expect(`${ids[i - 1]} < ${ids[i]}`).toBe('ordered');
  });

  test('ends in 62 random bits, different every time', () => {
    const tails = new Set(Array.from({ length: 1000 }, () => newId().slice(19)));
    expect(tails.size).toBe(1000);
  });
});
