/**
 * Okta request shapes that need a rule of their own, each with the section of
 * /work/shared/reference/entra-okta-scim.md (and the fixture under test/fixtures/idp/okta/) that shows it.
 */

const ECHOED_KEYS = new Set(['id', 'meta', 'schemas']);

/**
 * Keys of the resource envelope that clients echo back in bodies and that never carry a change:
 * Okta's path-less group rename `{"op":"replace","value":{"id":"abf4…","displayName":"…"}}` repeats the
 * group's `id` (reference §2.2; fixture `patch-group-rename.json`), and POST/PUT bodies carry
 * `schemas` and `meta` (§1.2, §2.1). They are skipped rather than treated as attempts to modify
 * readOnly attributes.
 */
export function isEchoedKey(key: string): boolean {
  return ECHOED_KEYS.has(key.toLowerCase());
}
