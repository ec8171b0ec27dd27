// A run's scoring: the forward graph of a backbone's tables — final representations (dot-product
// backbones) or serving rows (pairwise backbones: MAML, NeuMF, CML) — and the scorer the evaluator
// ranks with for given parameter values; used by training's validation and by everything that reads a run.
import * as G from '../graph/index.ts';
import { InputBinder, type Parameter } from '../nn/index.ts';
import { compileForward } from '../nn/index.ts';
import { type ForwardGraph } from '../runtime/index.ts';
import { type Device } from '../runtime/index.ts';
import { type Dataset } from '../data/index.ts';
import { dotScorer, type Scorer } from '../eval/index.ts';
import { type Backbone } from '../backbones/index.ts';

const USER_ROWS = 'scorer.user_rows';
const ITEM_ROWS = 'scorer.item_rows';

/** Whether the backbone scores (user, item) pairs with its own network (Backbone.pairScores). */
export const scoresPairs = (b: Backbone): boolean => !!(b.buildUserScores && b.buildServingTables && b.pairScores);

/**
 * The backbone's scorer with `values`. A dot-product backbone: the dot product of its final
 * representations, computed once with `scoring`. A pairwise one: its serving rows, computed once with
 * `scoring`, scored by its pair network with the network's weights as graph inputs — so every
 * evaluation of a run builds the same graph, and a TopKSessions keeps one session for all of them.
 */
export async function scorer(scoring: ForwardGraph | null, ds: Dataset, values: Map<string, Float32Array>, backbone: Backbone): Promise<Scorer> {
  const own = scoring ? null : await scoringGraph(backbone, backbone.model.namedParameters(), {});
  try {
    const out = await (scoring ?? own!).run(values, backbone.fixedFeeds());
    const users = out.users.data as Float32Array;
    const items = out.items.data as Float32Array;
    if (scoresPairs(backbone)) return pairScorer(backbone, users, items, ds, values);
    return dotScorer(users, items, ds.nUsers, ds.nItems, users.length / ds.nUsers);
  } finally {
    await own?.release();
  }
}

/**
 * Pair scores of user rows [nUsers, du] against item rows [nItems, di], the network's weights fed;
 * MAML's and NeuMF's also on their native kernels (`pairKernel`), CML's as a dot product of derived rows (`dot`): the
 * evaluator prefers those where the kernels are built.
 */
export function pairScorer(backbone: Backbone, users: Float32Array, items: Float32Array, ds: Dataset, values: Map<string, Float32Array>): Scorer {
  const du = users.length / ds.nUsers;
  const di = items.length / ds.nItems;
  const feeds: Scorer['feeds'] = {
    [USER_ROWS]: { data: users, dims: [ds.nUsers, du] },
    [ITEM_ROWS]: { data: items, dims: [ds.nItems, di] },
  };
  // Every parameter is offered; the evaluator feeds those the built graph reads.
  for (const [name, p] of backbone.model.namedParameters()) feeds[name] = { data: values.get(name)!, dims: [...p.shape] as number[] };
  const kernel = backbone.pairKernel ? { pairKernel: { users, items, userWidth: du, itemWidth: di, ...backbone.pairKernel(values) } } : {};
  const dot = backbone.dotRows ? { dot: backbone.dotRows(users, items) } : {};
  return {
    ...kernel,
    ...dot,
    build(g, ids) {
      const u = G.gather(g.input(USER_ROWS, 'float32', [ds.nUsers, du]), ids);
      return backbone.pairScores!(new InputBinder(g), u, g.input(ITEM_ROWS, 'float32', [ds.nItems, di]));
    },
    feeds,
  };
}

/** The forward graph of the backbone's scoring tables: representations, or a pairwise backbone's serving rows. */
export async function scoringGraph(backbone: Backbone, params: Map<string, Parameter>, session: { device?: Device; threads?: number }): Promise<ForwardGraph> {
  if (backbone.buildScoring) return compileForward(params, (b) => backbone.buildScoring!(b), session);
  if (scoresPairs(backbone)) return compileForward(params, (b) => backbone.buildServingTables!(b), session);
  throw new Error('backbone has neither representations (buildScoring) nor a pair score (buildServingTables and pairScores)');
}
