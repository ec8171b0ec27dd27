// An exported model directory's integrity record, like a dataset's: manifest.json holds the size
// and SHA-256 of every file `sgfd export` wrote (model.json and triton/ included; not the
// added_items.arrow the server writes later). `sgfd serve` checks it before loading anything, and
// ONNX files that fail to load are reported by name.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FileDigest } from '../data/index.ts';

export const MODEL_MANIFEST = 'manifest.json';
const FORMAT = 'sgfd-model-manifest';
/** Written at run time by the server, never by export: not in the manifest. */
const RUNTIME_FILES = new Set(['added_items.arrow']);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every file below `dir` (relative, '/'-separated, sorted), but the manifest and the server's own files. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return listFiles(dir, rel);
    return rel === MODEL_MANIFEST || RUNTIME_FILES.has(rel) ? [] : [rel];
  }).sort();
}

/** Writes manifest.json over the files in `dir` (call it last, when every other file is complete). */
export function writeModelManifest(dir: string): Record<string, FileDigest> {
  const files: Record<string, FileDigest> = {};
  for (const rel of listFiles(dir)) {
    const bytes = readFileSync(join(dir, rel));
    files[rel] = { bytes: bytes.length, sha256: sha256(bytes) };
  }
  writeFileSync(join(dir, MODEL_MANIFEST), JSON.stringify({ format: FORMAT, format_version: 1, files }, null, 2) + '\n');
  return files;
}

/**
 * Checks every file the manifest lists (present, same size, same SHA-256); the first mismatch is an
 * error naming the file. A directory exported before manifests existed is served with a warning.
 */
export function verifyModelDir(dir: string, warn: (m: string) => void): void {
  const path = join(dir, MODEL_MANIFEST);
  if (!existsSync(path)) {
    if (!existsSync(join(dir, 'model.json'))) return; // not a model directory at all: reading model.json says so
    warn(`${dir}: no ${MODEL_MANIFEST} (exported by an older sgfd): its files cannot be checked for corruption; re-export it to add one`);
    return;
  }
  let files: Record<string, FileDigest>;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown; files?: unknown };
    if (m.format !== FORMAT || typeof m.files !== 'object' || m.files === null) throw new Error(`expected {"format": "${FORMAT}", "files": {…}}`);
    files = m.files as Record<string, FileDigest>;
  } catch (e) {
    throw new Error(`${path}: unreadable model manifest (${(e as Error).message.split('\n')[0]})`);
  }
  for (const [rel, want] of Object.entries(files)) {
    const file = join(dir, rel);
    if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`${file}: missing (listed in ${MODEL_MANIFEST}); re-export the model`);
    const bytes = readFileSync(file);
    if (bytes.length !== want.bytes) {
      throw new Error(`${file}: ${bytes.length} bytes, ${want.bytes} as exported (${bytes.length < want.bytes ? 'truncated' : 'grown'}; see ${MODEL_MANIFEST}); re-export the model`);
    }
    if (sha256(bytes) !== want.sha256) throw new Error(`${file}: corrupt (its SHA-256 differs from the one in ${MODEL_MANIFEST}); re-export the model`);
  }
}

/** Loads an ONNX file through `create`; a failure names the file. */
export async function openOnnx<T>(path: string, create: (bytes: Uint8Array) => Promise<T>): Promise<T> {
  const bytes = readFileSync(path);
  try {
    return await create(bytes);
  } catch (e) {
    throw new Error(`${path}: not a loadable ONNX model (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
}
