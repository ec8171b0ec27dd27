// Whether dist/ (the compiled JavaScript, `npm run build`) is current: dist/stamp.json records a hash
// of the sources it was built from, and the CLI runs it only while they still hash the same —
// otherwise it runs the TypeScript sources through tsx (bin/sgfd.js). Plain JavaScript: it runs
// before any loader is registered.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is bin/build-stamp.js). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the build compiles, and the settings it compiles with. */
const INPUTS = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json'];

function files(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).sort().flatMap((name) => files(root, `${path}/${name}`));
}

/** SHA-256 over the build's inputs: every file's path and bytes. */
export function sourceHash(root = ROOT) {
  const h = createHash('sha256');
  for (const path of INPUTS.flatMap((p) => files(root, p))) h.update(path).update('\0').update(readFileSync(join(root, path))).update('\0');
  return h.digest('hex');
}

/** The compiled entry points when dist/ was built from the sources as they are now, else null. */
export function currentBuild(root = ROOT) {
  const stamp = join(root, 'dist', 'stamp.json');
  if (!existsSync(stamp)) return null;
  try {
    if (JSON.parse(readFileSync(stamp, 'utf8')).sources !== sourceHash(root)) return null;
  } catch {
    return null;
  }
  const url = (path) => pathToFileURL(join(root, 'dist', path)).href;
  return { cli: url('src/cli/main.js'), benchWorker: join(root, 'dist', 'bench', 'ours-worker.js') };
}
