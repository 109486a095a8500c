import { describe, expect, it } from 'vitest';
import { MAX_RELAY_STATE_LENGTH, safeRelayState } from './relay-state.js';

describe('safeRelayState: only same-origin paths, so the ACS is never an open redirect', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/reports?range=30d&tab=users#top', '/reports?range=30d&tab=users#top'],
    ['/a/./b/../c', '/a/c'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/', '/'],
  ])('keeps %j as %j', (value, expected) => {
    expect(safeRelayState(value)).toBe(expected);
  });

  it.each([
    ['an absolute URL elsewhere', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/path'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['backslashes only', '\\\\evil.example'],
    ['a tab browsers strip', '/\t/evil.example'],
    ['a newline', '/\n/evil.example'],
    ['dot segments that normalise to //', '/.//evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path without a slash', 'dashboard'],
    ['an empty string', ''],
    ['a non-string', 42],
    ['an overlong path', `/${'a'.repeat(MAX_RELAY_STATE_LENGTH)}`],
  ])('drops %s', (_, value) => {
    expect(safeRelayState(value)).toBeUndefined();
  });

  it("accepts an absolute URL on our own origin (Entra's Relay State field) as its path", () => {
    const origin = 'https://rollcall.example';
    expect(safeRelayState('https://rollcall.example/app/home?x=1', { origin })).toBe('/app/home?x=1');
    expect(safeRelayState('https://rollcall.example.evil.example/app', { origin })).toBeUndefined();
    expect(safeRelayState('http://rollcall.example/app', { origin })).toBeUndefined();
    expect(safeRelayState('https://rollcall.example:8443/app', { origin })).toBeUndefined();
    expect(safeRelayState('https://rollcall.example/app')).toBeUndefined();
  });
});
