// Writes a whole output directory or nothing: files go into a hidden temporary directory beside
// the target, which is renamed into place only when every file is complete.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from './errors.ts';

export interface AtomicDirOptions {
  /** Replace an existing non-empty target directory (otherwise that is an error). */
  force?: boolean;
}

/**
 * Runs `fill(tmpDir)` then renames tmpDir to `target`. On any error the temporary directory is
 * removed and the target is left as it was.
 */
export async function writeDirAtomically(target: string, fill: (tmpDir: string) => Promise<void> | void, opts: AtomicDirOptions = {}): Promise<void> {
  const abs = resolve(target);
  const nonEmpty = existsSync(abs) && readdirSync(abs).length > 0;
  if (nonEmpty && !opts.force) throw new DataError(`${target}: expected a new or empty output directory, it exists (pass --force to replace it)`);
  mkdirSync(dirname(abs), { recursive: true });
  const stamp = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(dirname(abs), `.${basename(abs)}.partial-${stamp}`);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    if (existsSync(abs)) {
      const old = join(dirname(abs), `.${basename(abs)}.old-${stamp}`);
      renameSync(abs, old);
      renameSync(tmp, abs);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, abs);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
