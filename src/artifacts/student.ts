// student.onnx of an artifact: the cold-start graph `sgfd export` writes (raw item features → the
// item row the backbone scores with), here with the artifact's initial parameters baked in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../graph/index.ts';
import { type Dataset } from '../data/index.ts';
import { type Backbone } from '../backbones/index.ts';
import { type ResolvedConfig } from '../run/index.ts';
import { writeTeacherParameters } from '../run/index.ts';
import { studentGraph } from '../export/index.ts';
import { STUDENT_IO } from '../model/index.ts';
import { ColdStartUnsupported } from '../backbones/index.ts';
import { graphFile, type BuiltGraph } from './graph-file.ts';
import { ARTIFACT_FILES } from './manifest.ts';
import { type Stage1Result } from './stage1-result.ts';

/** student.onnx, or why this configuration has none (ID-only backbones; a cached teacher not trained here). */
export function studentFile(config: ResolvedConfig, ds: Dataset, backbone: Backbone, values: Map<string, Float32Array>, trained: Stage1Result | null, metadata: Record<string, string>): { graph: BuiltGraph } | { reason: string } {
  if (config.extractor === 'cached' && !trained) return { reason: `variant '${config.variant}' embeds a new item with the trained stage-1 teacher: build with stage 1 applied (sgfd graphs --trained-teacher)` };
  // A cached-teacher extractor's student runs the stage-1 teacher, which export reads from the run directory.
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-artifact-student-'));
  try {
    if (config.extractor === 'cached' && trained) writeTeacherParameters(dir, trained.parameters, trained.shapes);
    const { graph, rule } = studentGraph({ dir, config, ds, backbone, values, bestEpoch: 0, finished: false });
    const inputs = new Map(ds.modalities.map((m) => [STUDENT_IO.features(m.name), `raw ${m.name} features of the items to embed, one row per item (as items.arrow column '${m.name}')`]));
    const built = graphFile(ARTIFACT_FILES.student, 'student', `Cold start: ${rule.description} Inputs: raw item features as in the dataset's items.arrow. Parameters are baked in (the initial values).`,
      G.serialize(graph), {
        step: false, trainable: new Set(), params: new Set(), state: new Set(), derived: [],
        data: (name) => ({ role: 'batch', doc: inputs.get(name) ?? '' }),
        outputDocs: { [STUDENT_IO.itemEmbedding]: 'the new items\' rows, scored like trained item rows (see doc string)' },
      }, metadata);
    return { graph: built };
  } catch (e) {
    if (e instanceof ColdStartUnsupported) return { reason: e.message.replace(dir, '<artifact>') };
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
