// Reference points the backbone learning tests compare against.
import { type Dataset } from '../../src/data/dataset.ts';
import { dotScorer, evaluate } from '../../src/eval/index.ts';

/** Expected Recall@20 of a uniformly random ranking ≈ 20 / (candidate items per user). */
export const randomRecall = (d: Dataset) => 20 / d.nItems;

/** Validation Recall@20 of ranking every user's unseen items by their training degree. */
export async function popularityRecall(d: Dataset): Promise<number> {
  const degree = new Float32Array(d.nItems);
  for (const i of d.csr.train.indices) degree[i]++;
  const r = await evaluate(dotScorer(new Float32Array(d.nUsers).fill(1), degree, d.nUsers, d.nItems, 1), d, 'valid');
  return r.means['recall@20'];
}
