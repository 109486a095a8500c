import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of DESIGN.md, checked on every import: http/cli → directory → scim + store.
 * `scim/` is the pure protocol and imports nothing of ours nor any I/O.
 */
const SRC = resolve(import.meta.dirname, '..', 'src');

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gms))
    found.push({ file, specifier: match[3]!, typeOnly: Boolean(match[2]) });
  return found;
}

/** The top-level folder of src a specifier points into, or the package name for externals. */
function target(imp: Import): string {
  if (!imp.specifier.startsWith('.')) return imp.specifier;
  const path = relative(SRC, resolve(dirname(imp.file), imp.specifier));
  return path.includes('/') ? path.split('/')[0]! : path.replace(/\.js$/, '');
}

function layer(file: string): string {
  const path = relative(SRC, file);
  return path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, '');
}

const all = sourceFiles(SRC).flatMap(importsOf);

describe('layering', () => {
  it('keeps scim/ pure: no imports from other layers, no I/O, no frameworks', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'scim')
      .filter((i) => (i.specifier.startsWith('.') ? target(i) !== 'scim' : true))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it('lets store/ use only scim/ of ours', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'store' && i.specifier.startsWith('.'))
      .filter((i) => !['store', 'scim'].includes(target(i)))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it('lets directory/ use scim/, saml/ and store/, never http/ or the CLI', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'directory' && i.specifier.startsWith('.'))
      .filter((i) => !['directory', 'scim', 'saml', 'store'].includes(target(i)))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it('lets oidc/ use directory/, scim/, store/ and html/, never http/, the CLI or the SAML internals', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'oidc' && i.specifier.startsWith('.'))
      .filter((i) => !['oidc', 'directory', 'scim', 'store', 'html'].includes(target(i)))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
    expect(all.some((i) => layer(i.file) === 'oidc' && target(i) === 'store')).toBe(true);
  });

  it('lets http/ reach the store only for types: the work goes through directory/', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'http' && i.specifier.startsWith('.'))
      .filter((i) => (target(i) === 'store' && !i.typeOnly) || ['cli', 'config'].includes(target(i)))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it('lets console/ work through directory/: the store only for types, never http/ or the CLI', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'console' && i.specifier.startsWith('.'))
      .filter(
        (i) =>
          (target(i) === 'store' && !i.typeOnly) ||
          !['console', 'directory', 'scim', 'saml', 'store', 'html'].includes(target(i)),
      )
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
    expect(all.some((i) => layer(i.file) === 'console' && target(i) === 'directory')).toBe(true);
  });

  it('keeps html/ pure: no imports from other layers, no frameworks', () => {
    const offending = all
      .filter((i) => layer(i.file) === 'html')
      .filter((i) => (i.specifier.startsWith('.') ? target(i) !== 'html' : true))
      .map((i) => `${relative(SRC, i.file)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it('escapes HTML in one place: html/ escapes, and every page module (console, SSO, OIDC) uses it', () => {
    const escapers = sourceFiles(SRC)
      .filter((file) =>
        /function escape(Html|Xml)?\b|replace\(\/&\/g, '&amp;'\)/.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(SRC, file))
      .filter((file) => !file.startsWith('html/') && !file.startsWith('saml/'));
    expect(escapers).toEqual([]);
    for (const file of ['console/layout.ts', 'http/routes/sso/sso-pages.ts', 'oidc/pages.ts'])
      expect(
        all.some((i) => relative(SRC, i.file) === file && target(i) === 'html'),
        `${file} builds its pages with html/`,
      ).toBe(true);
  });

  it('finds the imports it checks', () => {
    expect(all.filter((i) => layer(i.file) === 'scim').length).toBeGreaterThan(20);
    expect(all.some((i) => layer(i.file) === 'http' && target(i) === 'directory')).toBe(true);
  });
});

describe('the test suites', () => {
  /** Every *.test.ts under src/ and test/. */
  function testFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('skip nothing: a suite that runs on one store only is listed in vitest.config.ts instead', () => {
    const root = resolve(import.meta.dirname, '..');
    // Written in parts so this file does not match itself.
    const skipping = new RegExp(`\\.(${['skip', 'skipIf', 'runIf', 'only', 'todo'].join('|')})\\s*\\(`);
    const offending = [...testFiles(join(root, 'src')), ...testFiles(join(root, 'test'))]
      .filter((file) => skipping.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offending).toEqual([]);
  });
});
