// Evaluates a scorer on a dataset split: full ranking with the seen items excluded, then metrics.
import { type Dataset, type Csr } from '../data/index.ts';
import { type Scorer, topK, type TopKOptions } from './ranking.ts';
import { computeMetrics, DEFAULT_KS, type MetricOptions, type MetricReport } from './metrics.ts';

export type EvalSplit = 'valid' | 'test';

export interface EvaluateOptions extends MetricOptions, Pick<TopKOptions, 'chunk' | 'threads' | 'sessions'> {}

/** The score GRCN's reference evaluator gives training items instead of excluding them. */
export const GRCN_MASK_SCORE = 1e-5;

/** Users with at least one interaction in `csr`, ascending. */
export function usersWithItems(csr: Csr): Int32Array {
  const users: number[] = [];
  for (let u = 0; u + 1 < csr.indptr.length; u++) if (csr.indptr[u + 1] > csr.indptr[u]) users.push(u);
  return Int32Array.from(users);
}

/**
 * Metrics of `scorer` on `split`: ground truth = that split's items; users = those with ≥ 1 of
 * them; excluded from the ranking = train items ('valid') or train + valid items ('test'). With
 * compat 'sgfd-grcn' the excluded items are scored 1e-5 instead (they stay rankable).
 */
export async function evaluate(scorer: Scorer, ds: Pick<Dataset, 'csr'>, split: EvalSplit, o: EvaluateOptions = {}): Promise<MetricReport> {
  if (split !== 'valid' && split !== 'test') throw new RangeError(`evaluate: split must be 'valid' or 'test', got '${split as string}'`);
  const ks = o.ks ?? DEFAULT_KS;
  const k = Math.max(...ks);
  const truth = ds.csr[split];
  const users = usersWithItems(truth);
  const exclude = split === 'valid' ? [ds.csr.train] : [ds.csr.train, ds.csr.valid];
  const maskValue = o.compat === 'sgfd-grcn' ? GRCN_MASK_SCORE : undefined;
  const { items } = await topK(scorer, users, exclude, k, { chunk: o.chunk, threads: o.threads, maskValue, sessions: o.sessions });
  return computeMetrics({ users, items, k }, truth, { ks, compat: o.compat });
}
