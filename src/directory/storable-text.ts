/**
 * Whether `value` could be stored, and so name a row. PostgreSQL text holds no U+0000: a lookup by a
 * value with one fails the query (a 500) where it should find nothing. Values a client sends (a tenant
 * in a path, an id in a query or form) are checked with this before they reach a query.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}
