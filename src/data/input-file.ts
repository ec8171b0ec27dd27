// Reading a file the user named, with a one-line reason when it cannot be read: missing, a
// directory where a file is expected, or unreadable (permissions) — never a raw ENOENT/EISDIR.
import { readFileSync, statSync } from 'node:fs';
import { dataError } from './errors.ts';

const REASONS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'a file this user may not read', EPERM: 'a file this user may not read', ENOTDIR: 'no such file (a parent is not a directory)' };

/** Why `e` (a failed fs call) happened, in words. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ?? `an unreadable file (${code || (e as Error).message.split('\n')[0]})`;
}

/** The bytes of `path` (`name` in messages; `expected` says what it should be, e.g. "a .npy file"). */
export function readInputFile(path: string, name: string, expected: string): Buffer {
  try {
    if (statSync(path).isDirectory()) throw dataError(name, expected, 'a directory');
  } catch (e) {
    if ((e as Error).name === 'DataError') throw e;
    throw dataError(name, expected, reason(e));
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw dataError(name, expected, reason(e));
  }
}
