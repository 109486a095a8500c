import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAML_ERRORS } from '../../src/saml/errors.js';

/** docs/sso-entra-id.md lists every sign-in code of the catalogue with its status, and no other. */
const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'sso-entra-id.md'), 'utf8');

describe('docs/sso-entra-id.md', () => {
  it('documents every SAML code with its status and meaning', () => {
    const table = new Map(
      [...page.matchAll(/^\| `([A-Z_0-9]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [
        m[1]!,
        { status: Number(m[2]), meaning: m[3]! },
      ]),
    );
    for (const [code, spec] of Object.entries(SAML_ERRORS))
      expect(table.get(code), code).toEqual({ status: spec.status, meaning: spec.meaning });
    expect([...table.keys()].sort()).toEqual(Object.keys(SAML_ERRORS).sort());
  });

  it('is linked from the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('(docs/sso-entra-id.md)');
  });
});
