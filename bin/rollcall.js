#!/usr/bin/env node
// The CLI entry point. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'rollcall is not built yet: run `npm install` (or `npm run build`) in the rollcall folder first.\n',
  );
  process.exit(1);
}
const { run } = await import(cli.href);
await run(process.argv.slice(2));
