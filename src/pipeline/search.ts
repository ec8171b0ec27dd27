// Hyper-parameter search: the grid of candidate settings (all points, or a seeded random draw of
// them), trial names, and the choice of the best trial — on validation only. Successive halving
// (halving.ts, halving-search.ts) cuts hopeless trials early among the same candidates.
import { Rng } from '../data/index.ts';
import { hashValue } from '../data/index.ts';
import type { SearchSpec, SettingValue } from './spec.ts';

export interface Trial {
  /** Directory name: `k=v,k=v`, or `trial-<hash>` when that would be long; `default` without parameters. */
  id: string;
  params: Record<string, SettingValue>;
}

const MAX_ID = 80;

export function trialId(params: Record<string, SettingValue>): string {
  const keys = Object.keys(params).sort();
  if (!keys.length) return 'default';
  const readable = keys.map((k) => `${k}=${params[k]}`).join(',');
  return readable.length <= MAX_ID && /^[A-Za-z0-9._=,+-]+$/.test(readable) ? readable : `trial-${hashValue(params).slice(0, 12)}`;
}

/** The grid point with flat index `index` (the last key varies fastest). */
function gridPoint(keys: string[], values: SettingValue[][], index: number): Record<string, SettingValue> {
  const point: Record<string, SettingValue> = {};
  for (let k = keys.length - 1; k >= 0; k--) {
    point[keys[k]] = values[k][index % values[k].length];
    index = Math.floor(index / values[k].length);
  }
  return Object.fromEntries(keys.map((k) => [k, point[k]]));
}

/**
 * The trials of a search over the parameters `applies` accepts (e.g. no `sgfd.*` keys for a vanilla
 * variant): every grid point in order (grid), or `trials` distinct points drawn with the search
 * seed (random, and halving when it names `trials`; the whole grid when it is smaller).
 */
export function searchTrials(search: SearchSpec, applies: (key: string) => boolean = () => true): Trial[] {
  const keys = Object.keys(search.params).filter(applies);
  const values = keys.map((k) => [...new Set(search.params[k])]);
  const total = values.reduce((n, v) => n * v.length, 1);
  let indices = Array.from({ length: total }, (_, i) => i);
  if (search.method !== 'grid' && search.trials !== undefined && search.trials < total) {
    const rng = new Rng(search.seed);
    const picked = new Set<number>();
    while (picked.size < search.trials) picked.add(rng.nextInt(total));
    indices = [...picked];
  }
  return indices.map((i) => {
    const params = gridPoint(keys, values, i);
    return { id: trialId(params), params };
  });
}

export interface TrialOutcome {
  trial: Trial;
  /** Validation metrics of the trial's run (never its test metrics). */
  valid: Record<string, number>;
}

/** The trial with the highest validation `metric` (ties: the earlier trial). */
export function selectTrial(outcomes: readonly TrialOutcome[], metric: string): TrialOutcome {
  if (!outcomes.length) throw new Error('search: no trials to select from');
  let best = outcomes[0];
  for (const o of outcomes) {
    const v = o.valid[metric];
    if (v === undefined) throw new Error(`search: trial ${o.trial.id} has no validation metric '${metric}'; available: ${Object.keys(o.valid).join(', ')}`);
    if (v > best.valid[metric]) best = o;
  }
  return best;
}
