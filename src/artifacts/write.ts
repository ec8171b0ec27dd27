// Writing an artifact directory: every graph is loaded by ONNX Runtime first (type and shape checks,
// graph optimisations on), then the files and artifact.json (sizes and SHA-256) are written to a
// temporary directory renamed into place. Also: reading the manifest back and checking the files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomically } from '../data/index.ts';
import { createSession, ort } from '../runtime/index.ts';
import { type RunSettings } from '../train/index.ts';
import { buildArtifacts, type ArtifactOptions } from './build.ts';
import { MANIFEST_FILE, ARTIFACT_FORMAT, type ArtifactManifest } from './manifest.ts';

export interface WriteArtifactOptions extends ArtifactOptions { force?: boolean }

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The JSON text of a manifest (stable: keys in build order, two-space indent, final newline). */
export const manifestText = (m: ArtifactManifest): string => JSON.stringify(m, null, 2) + '\n';

/** Builds the artifacts of `s` and writes them into `out` (a new or empty directory, or `force`). */
export async function writeArtifacts(out: string, s: RunSettings, o: WriteArtifactOptions = {}): Promise<ArtifactManifest> {
  const set = await buildArtifacts(s, o);
  for (const [name, bytes] of set.files) {
    if (!name.endsWith('.onnx')) continue;
    try {
      const session = await createSession(bytes, { threads: 1 });
      await session.release();
    } catch (e) {
      throw new Error(`${name}: ONNX Runtime does not load the graph: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const files: ArtifactManifest['files'] = {};
  for (const [name, bytes] of [...set.files].sort(([a], [b]) => a.localeCompare(b))) files[name] = { bytes: bytes.length, sha256: sha256(bytes), doc: set.docs[name] ?? '' };
  const { omitted, ...rest } = set.manifest;
  const manifest: ArtifactManifest = { ...rest, producer: { ...rest.producer, checked_with: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}` }, files, ...(omitted ? { omitted } : {}) };
  await writeDirAtomically(out, (tmp) => {
    for (const [name, bytes] of set.files) writeFileSync(join(tmp, name), bytes);
    writeFileSync(join(tmp, MANIFEST_FILE), manifestText(manifest));
  }, { force: o.force });
  return manifest;
}

/** Reads `dir`/artifact.json and checks every file it lists (size and SHA-256); returns the manifest. */
export function readArtifacts(dir: string): ArtifactManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new Error(`${dir}: no ${MANIFEST_FILE} (not an artifact directory: sgfd graphs writes one)`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as ArtifactManifest;
  if (m.format !== ARTIFACT_FORMAT) throw new Error(`${path}: field format: expected '${ARTIFACT_FORMAT}', got '${m.format}'`);
  for (const [name, f] of Object.entries(m.files)) {
    const file = join(dir, name);
    if (!existsSync(file)) throw new Error(`${path}: lists ${name}, which is missing`);
    const bytes = readFileSync(file);
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256) throw new Error(`${file}: does not match ${MANIFEST_FILE} (size ${bytes.length} vs ${f.bytes}, or SHA-256): the file changed after it was written`);
  }
  return m;
}

/** Where `sgfd train --save-graphs` writes a run's artifacts. */
export const RUN_GRAPHS_DIR = 'graphs';

/**
 * `sgfd train --save-graphs`: the run's artifacts in `<run>/graphs`, with stage 1 applied (the run's
 * cached teacher) and the trainer's first batch — what that run's first step read.
 */
export async function saveRunGraphs(runDir: string, s: RunSettings, o: { threads?: number; log?: (m: string) => void } = {}): Promise<ArtifactManifest> {
  return writeArtifacts(join(runDir, RUN_GRAPHS_DIR), s, { trainedTeacher: true, firstBatch: true, gradNorms: s.train.gradNorms, threads: o.threads, log: o.log, force: true });
}
