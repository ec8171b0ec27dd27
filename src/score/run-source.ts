// What a trained run scores with: its final user/item representations (dot-product backbones) or
// its own per-user score graph (the others), computed once from the run's best parameters; and
// what an exported model stores: one row per user and per item, with the function scoring a pair.
import * as G from '../graph/index.ts';
import { InitializerBinder } from '../nn/index.ts';
import { compileForward } from '../nn/index.ts';
import { type Scorer } from '../eval/index.ts';
import { type LoadedRun } from '../run/index.ts';
import { scorer, scoringGraph } from '../run/index.ts';
import { type ScoreSource } from './batch-score.ts';
import { type PairScoreFn } from '../model/index.ts';
import { DOT_BYTES_PER_PAIR } from '../model/index.ts';

export interface RunEmbeddings { users: Float32Array; items: Float32Array; dim: number }

/** The run's final representations [nUsers, d] and [nItems, d], or null for per-user score models. */
export async function runEmbeddings(run: LoadedRun, threads?: number): Promise<RunEmbeddings | null> {
  if (!run.backbone.buildScoring) return null;
  const fwd = await scoringGraph(run.backbone, run.backbone.model.namedParameters(), { threads });
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

/** What the dot scorer's score is, for the model card. */
export const DOT_SCORE = 'dot product; higher is better';

/**
 * An exported model's tables: user rows [nUsers, userDim] and item rows [nItems, itemDim], and
 * `score` — null for a dot product, else the backbone's pairScores with the run's parameters as
 * initializers of the graph it is emitted on.
 */
export interface ServingTables {
  users: Float32Array;
  items: Float32Array;
  userDim: number;
  itemDim: number;
  score: PairScoreFn | null;
  /** What a score is (model card). */
  scoreDoc: string;
  bytesPerPair: number;
}

/** The run's serving tables, or null for a backbone that has neither representations nor pair scores. */
export async function servingTables(run: LoadedRun, threads?: number): Promise<ServingTables | null> {
  const emb = await runEmbeddings(run, threads);
  if (emb) return { users: emb.users, items: emb.items, userDim: emb.dim, itemDim: emb.dim, score: null, scoreDoc: DOT_SCORE, bytesPerPair: DOT_BYTES_PER_PAIR };
  const bb = run.backbone;
  if (!bb.buildServingTables || !bb.pairScores || !bb.pairScoring) return null;
  const fwd = await compileForward(bb.model.namedParameters(), (b) => bb.buildServingTables!(b), { threads });
  try {
    const out = await fwd.run(run.values, bb.fixedFeeds());
    const users = out.users.data as Float32Array;
    const items = out.items.data as Float32Array;
    return {
      users, items, userDim: users.length / run.ds.nUsers, itemDim: items.length / run.ds.nItems,
      score: (g, u, v) => bb.pairScores!(new InitializerBinder(g, run.values), u, v),
      scoreDoc: bb.pairScoring.score, bytesPerPair: bb.pairScoring.bytesPerPair,
    };
  } finally {
    await fwd.release();
  }
}

/** Scores users [B] (ids) from fixed user and item tables with `t`'s score: what evaluate() takes. */
export function tableScorer(t: ServingTables, users: Float32Array, items: Float32Array, nUsers: number, nItems: number): Scorer {
  return {
    build(g, ids) {
      const u = G.gather(g.input('serving.users', 'float32', [nUsers, t.userDim]), ids);
      const v = g.input('serving.items', 'float32', [nItems, t.itemDim]);
      return t.score ? t.score(g, u, v) : G.matmul(u, G.transposeLast(v));
    },
    feeds: {
      'serving.users': { data: users, dims: [nUsers, t.userDim] },
      'serving.items': { data: items, dims: [nItems, t.itemDim] },
    },
  };
}
