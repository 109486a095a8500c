import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * saml/ is a protocol layer like scim/: no HTTP framework, no database, nothing of ours outside it
 * (DESIGN.md: directory and http depend on saml, never the reverse). The test IdP in testing/ is
 * test support and the only place the devDependencies may be imported.
 */
const SAML = import.meta.dirname;
const RUNTIME_PACKAGES = [
  '@node-saml/node-saml',
  '@xmldom/xmldom',
  'node:crypto',
  // Fetching IdP metadata from its URL, to public addresses only (fetch-idp-metadata.ts).
  'undici',
  'ipaddr.js',
  'node:dns',
  'node:net',
];
const TEST_PACKAGES = ['samlify', 'selfsigned'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const imports = sources(SAML).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gms)].map((match) => ({
    file: relative(SAML, file),
    specifier: match[1]!,
    resolved: match[1]!.startsWith('.') ? relative(SAML, resolve(dirname(file), match[1]!)) : undefined,
  })),
);

describe('saml/ layering', () => {
  it('finds the imports it checks', () => {
    expect(imports.some((i) => i.specifier === '@node-saml/node-saml')).toBe(true);
  });

  it('imports nothing of ours from outside saml/', () => {
    expect(imports.filter((i) => i.resolved?.startsWith('..'))).toEqual([]);
  });

  it('uses only its runtime packages outside testing/, and never imports testing/', () => {
    const runtime = imports.filter((i) => !i.file.startsWith('testing/'));
    expect(runtime.filter((i) => !i.resolved && !RUNTIME_PACKAGES.includes(i.specifier))).toEqual([]);
    expect(runtime.filter((i) => i.resolved?.startsWith('testing/'))).toEqual([]);
  });

  it('keeps the test IdP to its test packages', () => {
    const support = imports.filter((i) => i.file.startsWith('testing/') && !i.resolved);
    expect(support.filter((i) => ![...RUNTIME_PACKAGES, ...TEST_PACKAGES].includes(i.specifier))).toEqual([]);
  });
});
