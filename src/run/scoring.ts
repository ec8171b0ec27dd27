// A run's scoring: the forward graph of a dot-product backbone's final representations, and the
// scorer the evaluator ranks with (the dot product of those, or the backbone's own per-user score
// graph) for given parameter values — used by training's validation and by everything that reads a run.
import { InitializerBinder, type Parameter } from '../nn/index.ts';
import { compileForward } from '../nn/index.ts';
import { type ForwardGraph } from '../runtime/index.ts';
import { type Device } from '../runtime/index.ts';
import { type Dataset } from '../data/index.ts';
import { dotScorer, type Scorer } from '../eval/index.ts';
import { type Backbone } from '../backbones/index.ts';

/**
 * The backbone's scorer with `values`: a dot product of the final representations (computed once
 * with `scoring`), or the backbone's own per-user score graph with the values as initializers.
 */
export async function scorer(scoring: ForwardGraph | null, ds: Dataset, values: Map<string, Float32Array>, backbone: Backbone): Promise<Scorer> {
  if (backbone.buildUserScores) {
    const fixed = backbone.fixedFeeds();
    return {
      build: (g, users) => backbone.buildUserScores!(new InitializerBinder(g, values), users),
      feeds: fixed as Scorer['feeds'],
    };
  }
  const out = await scoring!.run(values, backbone.fixedFeeds());
  const users = out.users.data as Float32Array;
  const items = out.items.data as Float32Array;
  return dotScorer(users, items, ds.nUsers, ds.nItems, users.length / ds.nUsers);
}

/** The forward graph of a dot-product backbone's representations (null for per-user score models). */
export async function scoringGraph(backbone: Backbone, params: Map<string, Parameter>, session: { device?: Device; threads?: number }): Promise<ForwardGraph | null> {
  if (!backbone.buildScoring) return null;
  return compileForward(params, (b) => backbone.buildScoring!(b), session);
}
