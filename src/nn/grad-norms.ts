// Diagnostics emitted into a fused train step: the L2 norm of each reported loss term's gradient with
// respect to groups of parameters (the item extractor / SGFD student, the backbone's embeddings), so a
// run's log shows whether distillation dominates the backbone's own objective or vanishes beside it.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter } from './module.ts';

/** Which group a parameter's gradient norm is reported under (null: not reported). */
export type ParamGroup = (name: string) => string | null;

/**
 * The default groups: `extractor` — everything below the item extractor (vanilla Linear, SGFD student;
 * frozen parts have no gradient); `embeddings` — ID embedding tables and GRCN's user preferences.
 */
export const defaultParamGroup: ParamGroup = (name) => {
  if (name.startsWith('extractor.')) return 'extractor';
  if (/embedding/i.test(name) || name.startsWith('preferences.')) return 'embeddings';
  return null;
};

/** Output name of a term's gradient norm over a group: `gradnorm.<term>.<group>`. */
export const gradNormName = (term: string, group: string) => `gradnorm.${term}.${group}`;

/**
 * For every term and group the term depends on: ‖∂term/∂θ_group‖₂ as a scalar graph value. Each
 * costs one extra backward pass from that term to the group only (terms that do not reach a group
 * emit nothing), so this is opt-in (`--grad-norms`).
 */
export function emitGradNorms(terms: Record<string, Value>, trainable: { param: Parameter; value: Value }[], group: ParamGroup = defaultParamGroup): Map<string, Value> {
  const groups = new Map<string, Value[]>();
  for (const { param, value } of trainable) {
    const name = group(param.name);
    if (name === null) continue;
    groups.set(name, [...(groups.get(name) ?? []), value]);
  }
  const out = new Map<string, Value>();
  for (const [term, v] of Object.entries(terms)) {
    for (const [name, values] of groups) {
      const reached = G.sourcesReaching(v, values);
      if (!reached.length) continue;
      const squares = G.grad(v, reached).map((g) => G.reduceSum(G.square(g)));
      out.set(gradNormName(term, name), G.sqrt(G.sumAll(squares)));
    }
  }
  return out;
}
