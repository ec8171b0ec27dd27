// `npm run bench`: runs every bench/*.bench.ts in name order (or those named on the command line).
// Each module exports `run(): Promise<void>` and prints medians, ratios and its one summary line.
// Ours is measured as shipped: under the malloc settings bin/sgfd starts Node with (TUNED_MALLOC), so
// on Linux the runner re-runs itself once with them unless SGFD_MALLOC=default; torch children get
// their own (TorchRunner drops ours). Our side runs the compiled build (dist/), built first when stale.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { TUNED_MALLOC } from '../src/runtime/session.ts';
import { currentBuild } from '../bin/build-stamp.js';
import { oursCodeLine } from './compare.ts';

if (process.platform === 'linux' && process.env.SGFD_MALLOC !== 'default' && !process.env.SGFD_BENCH_MALLOC) {
  const GLIBC_TUNABLES = [process.env.GLIBC_TUNABLES, ...TUNED_MALLOC].filter(Boolean).join(':');
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, GLIBC_TUNABLES, SGFD_BENCH_MALLOC: 'tuned' } });
  process.exit(r.status ?? 1);
}
// The CLI runs the compiled build when it is current; so does our side of the same-run baselines.
if (!currentBuild()) spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--if-possible'], { stdio: 'inherit' });
process.stdout.write(`${oursCodeLine()}\n`);
process.stdout.write(`malloc: ${process.env.SGFD_BENCH_MALLOC ? `as bin/sgfd ships (GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES})` : 'glibc default (ORT arenas on)'}\n`);

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
for (const f of files) {
  process.stdout.write(`\n== ${f}\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<void> };
  await mod.run();
}
