// Makes `npx rollcall …` work inside a clone of this repository: npm links the bins of
// dependencies into node_modules/.bin, but not the package's own.
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const binDir = join(import.meta.dirname, '..', 'node_modules', '.bin');
const link = join(binDir, 'rollcall');
const target = join('..', '..', 'bin', 'rollcall.js');
mkdirSync(binDir, { recursive: true });
try {
  if (readlinkSync(link) === target) process.exit(0);
  unlinkSync(link);
} catch {
  // No link yet.
}
symlinkSync(target, link);
