// An output file path checked before any work is done: not a directory, not an existing file unless
// --force, its parent a directory this process can write in. Every failure is one line naming --out.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileAncestor } from '../data/index.ts';

/** Why an fs call failed, in words. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return { EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'a read-only file system', ENOTDIR: 'a parent is a file, not a directory' }[code]
    ?? (e as Error).message.split('\n')[0];
}

/**
 * Checks `out` for a file about to be written (with `flag`, e.g. "--out", in messages) and creates
 * its parent directory; returns the absolute path.
 */
export function prepareOutFile(out: string, force: boolean, flag = '--out'): string {
  const abs = resolve(out);
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) throw new Error(`${flag} ${out}: expected a file path, got a directory`);
    if (!force) throw new Error(`${flag} ${out}: the file exists (pass --force to replace it)`);
  }
  const file = fileAncestor(abs);
  if (file) throw new Error(`${flag} ${out}: ${file} is a file, not a directory`);
  try {
    mkdirSync(dirname(abs), { recursive: true });
    accessSync(dirname(abs), constants.W_OK);
  } catch (e) {
    throw new Error(`${flag} ${out}: cannot write in ${dirname(abs)} (${reason(e)})`);
  }
  return abs;
}
