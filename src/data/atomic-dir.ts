// Writes a whole output directory or nothing: files go into a hidden temporary directory beside
// the target, which is renamed into place only when every file is complete.
//
// Leftovers: a process killed mid-write leaves `.NAME.partial-<pid>-…` (or, killed between the two
// renames of a replacement, `.NAME.old-<pid>-…`) beside the target. The next atomic write into the
// same parent directory removes every such entry whose owning process is gone (no process with that
// pid on this machine); entries of live processes — a write still running — are left alone, and so
// is an `.old-` copy while NAME itself is missing (it is then the only copy of the previous output).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from './errors.ts';

export interface AtomicDirOptions {
  /** Replace an existing non-empty target directory (otherwise that is an error). */
  force?: boolean;
}

/** `.NAME.partial-<pid>-…` / `.NAME.old-<pid>-…`: the temporary entries of atomic writes (directories and files). */
const LEFTOVER = /^\.(.+)\.(partial|old)-(\d+)-[0-9a-z-]+$/;

/** Whether a process with this pid exists (on this machine). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes the leftovers of killed atomic writes in `parent` (see the header); returns their names. */
export function removeStaleLeftovers(parent: string): string[] {
  let names: string[];
  try { names = readdirSync(parent); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m || alive(Number(m[3])) || (m[2] === 'old' && !existsSync(join(parent, m[1])))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch { /* not ours to remove (permissions): left in place */ }
  }
  return removed;
}

/** The nearest existing ancestor of `path` when it is a file (so `path` cannot be created), else null. */
export function fileAncestor(path: string): string | null {
  for (let p = dirname(resolve(path)); ; p = dirname(p)) {
    if (existsSync(p)) return statSync(p).isDirectory() ? null : p;
    if (dirname(p) === p) return null;
  }
}

/**
 * Checks an output path before anything is written: an existing target must be a directory (empty,
 * or `force`), and every existing ancestor a directory. One-line errors, never a raw ENOTDIR.
 */
export function checkOutputDir(target: string, force: boolean): void {
  const abs = resolve(target);
  const file = fileAncestor(abs);
  if (file) throw new DataError(`${target}: expected an output directory, but ${file} is a file, not a directory`);
  if (!existsSync(abs)) return;
  if (!statSync(abs).isDirectory()) throw new DataError(`${target}: expected an output directory, got an existing file`);
  if (readdirSync(abs).length > 0 && !force) throw new DataError(`${target}: expected a new or empty output directory, it exists (pass --force to replace it)`);
}

/** The temporary sibling an atomic write of `abs` fills: `.NAME.partial-<pid>-<time>-<random>`. */
function partialPath(abs: string): string {
  const stamp = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(abs), `.${basename(abs)}.partial-${stamp}`);
}

/**
 * Writes the file `path` whole or not at all: into its temporary sibling, renamed into place (the
 * one helper every small file of the codebase — JSON, logs, Arrow, safetensors, charts — goes through).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = partialPath(resolve(path));
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Runs `fill(tmpDir)` then renames tmpDir to `target`. On any error the temporary directory is
 * removed and the target is left as it was.
 */
export async function writeDirAtomically(target: string, fill: (tmpDir: string) => Promise<void> | void, opts: AtomicDirOptions = {}): Promise<void> {
  const abs = resolve(target);
  checkOutputDir(target, !!opts.force);
  mkdirSync(dirname(abs), { recursive: true });
  removeStaleLeftovers(dirname(abs));
  const tmp = partialPath(abs);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    if (existsSync(abs)) {
      const old = tmp.replace(/\.partial-(?=[^/]*$)/, '.old-'); // `.NAME.old-<same stamp>`
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
