// What a trained run scores with: its final user/item representations (dot-product backbones) or
// its own per-user score graph (the others), computed once from the run's best parameters.
import { type LoadedRun } from '../train/load-run.ts';
import { scorer, scoringGraph } from '../train/trainer.ts';
import { type ScoreSource } from './batch-score.ts';

export interface RunEmbeddings { users: Float32Array; items: Float32Array; dim: number }

/** The run's final representations [nUsers, d] and [nItems, d], or null for per-user score models. */
export async function runEmbeddings(run: LoadedRun, threads?: number): Promise<RunEmbeddings | null> {
  const fwd = await scoringGraph(run.backbone, run.backbone.model.namedParameters(), { threads });
  if (!fwd) return null;
  try {
    const out = await fwd.run(run.values, run.backbone.fixedFeeds());
    const users = out.users.data as Float32Array;
    const items = out.items.data as Float32Array;
    return { users, items, dim: users.length / run.ds.nUsers };
  } finally {
    await fwd.release();
  }
}

/** The run as a batch-scoring source. */
export async function runScoreSource(run: LoadedRun, threads?: number): Promise<ScoreSource> {
  const emb = await runEmbeddings(run, threads);
  const nItems = run.ds.nItems;
  if (emb) return { kind: 'dot', users: emb.users, items: emb.items, dim: emb.dim, nItems };
  return { kind: 'per-user', scorer: await scorer(null, run.ds, run.values, run.backbone), nItems, maxChunk: run.backbone.evalChunk };
}
