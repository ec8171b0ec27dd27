// Which rows DGCF's independence term sees in a batch: the batch's distinct users, and its distinct
// items (positives and negatives together), each drawn down to at most `cap` — the term's memory is
// O(n²) in its rows, and a batch can hold thousands of distinct ids.
import { type Rng } from '../../data/index.ts';

/**
 * The distinct values of `lists`, then at most `cap` of them drawn uniformly without replacement
 * (partial Fisher–Yates on `rng`), ascending. Distinct ids let the gathers' gradients scatter
 * without reduction.
 */
export function distinctSample(lists: BigInt64Array[], cap: number, rng: Rng): BigInt64Array {
  const ids = [...new Set(lists.flatMap((l) => Array.from(l)))];
  const take = Math.min(cap, ids.length);
  for (let i = 0; i < take && take < ids.length; i++) {
    const j = i + rng.nextInt(ids.length - i);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return BigInt64Array.from(ids.slice(0, take)).sort();
}
