import { expect } from 'vitest';
import { SAML_ERRORS, SamlError, type SamlErrorCode } from '../../src/saml/errors.js';
import type { TestServer } from './rollcall-server.js';
import type { BrowserResponse } from './sso.js';

/**
 * Checks a refusal as the person and the admin see it: the code's status, a plain page with the
 * code's fixed sentence and a reference, no session cookie, nothing of the reason on the page; and
 * the tenant's sign-in log holding the code and the reason under that reference. Returns the entry.
 */
export async function expectRefused(
  server: TestServer,
  tenant: string,
  response: BrowserResponse,
  code: SamlErrorCode,
): Promise<{ reason: string; email: string | null }> {
  const expected = new SamlError(code, 'x');
  expect({ status: response.status, page: response.text.slice(0, 400) }).toMatchObject({
    status: SAML_ERRORS[code].status,
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.setCookie).toBeNull();
  expect(response.text).toContain(expected.userMessage.replace(/'/g, '&#39;'));
  const reference = /Reference for your administrator: <span class="ref">([0-9a-f-]{36})<\/span>/.exec(
    response.text,
  )?.[1];
  expect(reference, 'the page shows a reference').toBeDefined();
  const log = await server.api('GET', `/tenants/${tenant}/saml/log?outcome=refused&limit=50`);
  expect(log.status).toBe(200);
  const entry = log.body.items.find((item: { id: string }) => item.id === reference);
  expect(entry, `sign-in log entry ${reference}`).toBeDefined();
  expect(entry.code).toBe(code);
  expect(entry.reason.length).toBeGreaterThan(10);
  // The reason is for the admin only.
  expect(response.text).not.toContain(entry.reason);
  expect(response.text).not.toContain(code);
  return entry;
}
