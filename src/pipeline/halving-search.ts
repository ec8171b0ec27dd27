// A successive-halving search over one backbone × variant's trials (halving.ts has the rules): every
// surviving trial trains to the next rung — its own run directory, resumed, never retrained — they
// are ranked there on validation, the best 1/η go on and the others stop; the last survivors train
// to the full budget with the train step's early stopping. Which trials survive depends only on the
// runs' validation values, so the search is as deterministic as the runs themselves.
import type { SettingValue } from './spec.ts';
import type { RunProgress } from './runs.ts';
import { rungSurvivors } from './halving.ts';
import type { Trial, TrialOutcome } from './search.ts';

/** One trial of a halving search, as train/selection.json records it. */
export interface HalvingTrialRecord {
  id: string;
  params: Record<string, SettingValue>;
  /** Survivors: the finished run's validation value; cut trials: the value at the rung that cut them. */
  valid: number;
  /** Epochs the trial's run trained. */
  epochs: number;
  /** The last rung it reached (1-based); a survivor reached every rung. */
  rung: number;
  /** Its best validation value up to each rung it reached (null: not yet validated there). */
  rung_valid: (number | null)[];
  /** Stopped at `rung` by the halving (never trained to the budget). */
  cut: boolean;
}

/** What the search needs from the train step. */
export interface HalvingHooks {
  /** Trains the trial's run until it has `untilEpoch` epochs, or (null) to its end. */
  advance(trial: Trial, untilEpoch: number | null): Promise<RunProgress>;
  /** The trial's best validation value up to `epoch`. */
  valueAt(trial: Trial, epoch: number): number | null;
  /** A trial stopped at rung `rung` (1-based) with validation value `value` there. */
  onCut(trial: Trial, rung: number, epoch: number, value: number | null): void;
  /** The outcome of a rung: who goes on, who stopped. */
  onRung(rung: number, epoch: number, kept: Trial[], cut: Trial[]): void;
}

export interface HalvingResult {
  /** The trials that trained to the budget, with their final validation metrics (selection picks among these). */
  finished: TrialOutcome[];
  /** Every trial in trial order. */
  records: HalvingTrialRecord[];
}

export async function halvingSearch(trials: readonly Trial[], rungs: readonly number[], eta: number, metric: string, h: HalvingHooks): Promise<HalvingResult> {
  let alive = [...trials];
  const cutAt = new Map<Trial, { rung: number; epochs: number }>();
  for (const [k, epoch] of rungs.entries()) {
    // A lone survivor has nothing to be compared with: it goes straight on to the budget.
    if (alive.length <= 1) break;
    const progress = await Promise.all(alive.map((t) => h.advance(t, epoch)));
    const values = alive.map((t) => h.valueAt(t, epoch));
    const keep = new Set(rungSurvivors(values, eta));
    alive.forEach((t, i) => {
      if (keep.has(i)) return;
      cutAt.set(t, { rung: k + 1, epochs: progress[i].epochs });
      h.onCut(t, k + 1, epoch, values[i]);
    });
    h.onRung(k + 1, epoch, alive.filter((_, i) => keep.has(i)), alive.filter((_, i) => !keep.has(i)));
    alive = alive.filter((_, i) => keep.has(i));
  }
  const ends = await Promise.all(alive.map((t) => h.advance(t, null)));
  const finished = alive.map((trial, i) => ({ trial, valid: ends[i].metrics!.valid, epochs: ends[i].epochs }));
  const records = trials.map((trial): HalvingTrialRecord => {
    const cut = cutAt.get(trial);
    const reached = cut?.rung ?? rungs.length;
    const rungValid = rungs.slice(0, reached).map((epoch) => h.valueAt(trial, epoch));
    const end = finished.find((f) => f.trial === trial);
    return {
      id: trial.id, params: trial.params,
      valid: end ? end.valid[metric] : rungValid[reached - 1] ?? NaN,
      epochs: end ? end.epochs : cut!.epochs,
      rung: reached, rung_valid: rungValid, cut: !!cut,
    };
  });
  return { finished: finished.map(({ trial, valid }) => ({ trial, valid })), records };
}
