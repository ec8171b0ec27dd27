// manifest.json of a dataset directory: the size and SHA-256 of each Arrow file as written, checked
// on every load. It is required: a dataset without one is refused (deleting it must not silently turn
// the checks off). `sgfd data manifest DIR` recreates it explicitly from the files as they are, after
// they pass every structural check; it refuses to overwrite a manifest that disagrees unless forced.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_VERSION } from './dataset.ts';
import { DataError, dataError } from './errors.ts';
import { type FileDigest } from './arrow-columns.ts';
import { writeFileAtomic } from './atomic-dir.ts';

export const MANIFEST_FILE = 'manifest.json';

/** The digests recorded at write time; a missing or unreadable manifest is an error saying how to recreate it. */
export function readManifest(dir: string): Record<string, FileDigest> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new DataError(`${path}: expected the dataset's manifest (sizes and SHA-256 of its files, written by sgfd data import/synth), got no such file; `
      + `to trust the files as they are now, recreate it with: sgfd data manifest ${dir}`);
  }
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as { files: Record<string, FileDigest> };
    if (typeof m.files !== 'object' || m.files === null) throw new Error('no files');
    return m.files;
  } catch (e) {
    throw dataError(path, 'JSON {"files": {name: {bytes, sha256}}}', `unreadable (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Size and SHA-256 of a file on disk. */
export function digestOf(path: string): FileDigest {
  const bytes = readFileSync(path);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Writes manifest.json for `files` into `dir` (temporary file, then rename). */
export function writeManifest(dir: string, files: Record<string, FileDigest>): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileAtomic(path, JSON.stringify({ format_version: FORMAT_VERSION, files }, null, 2) + '\n');
}

export type ManifestOutcome = 'created' | 'unchanged' | 'replaced';

/**
 * Records the current digests of `names` (files of `dir` that exist) in manifest.json. An existing
 * manifest that records other bytes for one of them is kept unless `force` (the files changed since
 * they were written: that is what the manifest is there to catch).
 */
export function recordManifest(dir: string, names: readonly string[], force = false): ManifestOutcome {
  const files: Record<string, FileDigest> = {};
  for (const name of names) if (existsSync(join(dir, name))) files[name] = digestOf(join(dir, name));
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    writeManifest(dir, files);
    return 'created';
  }
  let old: Record<string, FileDigest> = {};
  try { old = readManifest(dir); } catch { /* unreadable: replaced only with force, below */ }
  const differing = Object.keys(files).filter((n) => old[n]?.sha256 !== files[n].sha256 || old[n]?.bytes !== files[n].bytes);
  if (differing.length === 0 && Object.keys(old).length === Object.keys(files).length) return 'unchanged';
  if (!force) {
    throw new DataError(`${join(dir, MANIFEST_FILE)}: records other bytes for ${differing.join(', ') || 'other files'} than the files have now (changed since written?); `
      + 'pass --force to record the files as they are');
  }
  writeManifest(dir, files);
  return 'replaced';
}
