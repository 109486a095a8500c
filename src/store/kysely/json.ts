import type { JsonObject } from '../../scim/json/json-value.js';

/** Parses a JSON column written by this store (always an object). */
export function parseData(text: string): JsonObject {
  return JSON.parse(text) as JsonObject;
}
