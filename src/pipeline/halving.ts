// Successive halving (ASHA-style early termination of search trials): the rungs, in epochs, at which
// the surviving trials are compared; who survives a rung; a trial's validation value at a rung. Pure
// functions — the train step (halving-search.ts) does the training between rungs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../run/index.ts';

/** The halving keys of a search (`train.search` or a backbone's own). */
export interface HalvingSettings {
  /** η: a rung keeps the best 1/η of the trials that reached it. */
  reduction_factor: number;
  /** Epochs of the first rung; later rungs are η times the one before, while below the budget. */
  first_rung?: number;
  /** Explicit rung epochs (instead of first_rung × η^k). */
  rungs?: number[];
}

export const DEFAULT_REDUCTION_FACTOR = 3;

const roundUpTo = (n: number, step: number) => Math.ceil(n / step) * step;

/**
 * The first rung when the file names none: about budget / η² (so a full geometric ladder has two
 * rungs before the budget), rounded up to a validation epoch.
 */
export function defaultFirstRung(budget: number, eta: number, evalEvery: number): number {
  return roundUpTo(Math.max(1, Math.ceil(budget / eta ** 2)), evalEvery);
}

/**
 * The rung epochs for a training budget of `budget` epochs validated every `evalEvery`: the explicit
 * `rungs`, else first_rung × η^k below the budget, each rounded up to a validation epoch (the value
 * compared at a rung is the validation value at or before it). Empty when no rung fits below the
 * budget: every trial then trains fully (a grid).
 */
export function halvingRungs(s: HalvingSettings, budget: number, evalEvery: number): number[] {
  if (s.rungs) return s.rungs.filter((r) => r < budget);
  const out: number[] = [];
  const first = s.first_rung ?? defaultFirstRung(budget, s.reduction_factor, evalEvery);
  for (let r = first; r < budget; r *= s.reduction_factor) {
    const at = roundUpTo(r, evalEvery);
    if (at < budget && at !== out[out.length - 1]) out.push(at);
  }
  return out;
}

/** How many of `n` trials go on from a rung: the best 1/η, at least one. */
export const survivorCount = (n: number, eta: number) => Math.max(1, Math.floor(n / eta));

/**
 * Indices (in trial order) of the trials that go on from a rung, given each trial's validation value
 * there (null: never validated, ranked last). Higher is better; ties go to the earlier trial, so the
 * outcome depends only on the values.
 */
export function rungSurvivors(values: readonly (number | null)[], eta: number): number[] {
  const score = (i: number) => (values[i] === null || Number.isNaN(values[i]) ? -Infinity : values[i]!);
  const ranked = values.map((_, i) => i).sort((a, b) => score(b) - score(a) || a - b);
  return ranked.slice(0, survivorCount(values.length, eta)).sort((a, b) => a - b);
}

export interface LogLine { epoch: number; valid?: Record<string, number> }

/** The best validation `metric` of log lines up to and including `epoch` (null if none was validated). */
export function bestValidUpTo(lines: readonly LogLine[], metric: string, epoch: number): number | null {
  let best: number | null = null;
  for (const l of lines) {
    const v = l.valid?.[metric];
    if (l.epoch <= epoch && v !== undefined && Number.isFinite(v) && (best === null || v > best)) best = v;
  }
  return best;
}

/**
 * A run's best validation value up to `epoch`, from its log.jsonl — the trainer's "best so far" at
 * that epoch. Read from the log rather than the checkpoint so a trial that has since trained further
 * (it survived, or a re-run) still reports the value it had at the rung.
 */
export function runValueAt(dir: string, metric: string, epoch: number): number | null {
  const path = join(dir, RUN_FILES.log);
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LogLine);
  return bestValidUpTo(lines, metric, epoch);
}
