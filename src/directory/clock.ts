import { randomUUID } from 'node:crypto';

/** Now as the ISO-8601 UTC string every stored time uses. */
export function now(): string {
  return new Date().toISOString();
}

export function newId(): string {
  return randomUUID();
}
