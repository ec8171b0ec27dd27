// `npm run build`: compiles src/ and bench/ into dist/ (tsconfig.build.json), then stamps it with the
// hash of the sources it was built from (bin/build-stamp.js), taken before compiling: an edit made
// meanwhile leaves the build stale, and the CLI then runs the sources through tsx.
// --if-possible (npm's prepare, on `npm install` / `npm ci`): a build that cannot run or fails only
// warns, in one line; the CLI works either way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, sourceHash } from '../bin/build-stamp.js';

const ifPossible = process.argv.includes('--if-possible');
const fail = (why) => {
  console.error(`sgfd build: ${why}; the CLI will run the TypeScript sources through tsx`);
  process.exit(ifPossible ? 0 : 1);
};
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed (a dev dependency)');
}
const sources = sourceHash();
const dist = join(ROOT, 'dist');
rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (r.status !== 0) fail(`tsc exited with ${r.status ?? r.signal}`);
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'stamp.json'), `${JSON.stringify({ sources, built: new Date().toISOString() })}\n`);
console.log('sgfd build: dist/ is current');
