// Step `train`: for every backbone × variant, the search trials (one seed), the choice of the best on
// validation, then the chosen configuration re-run with every seed. Runs live in
// train/<backbone>/<variant>/<trial>/seed-<n>/; finished ones are kept, interrupted ones resumed.
import { join, relative } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { readDataset } from '../../data/arrow-io.ts';
import { type Dataset } from '../../data/dataset.ts';
import { VARIANTS, type RunSettings } from '../../train/run.ts';
import { TRAIN_DEFAULTS } from '../../train/trainer.ts';
import { RUN_FILES, writeJson, readJson } from '../../train/files.ts';
import { rowLabel } from '../../report/results-table.ts';
import { searchTrials, selectTrial, type Trial, type TrialOutcome } from '../search.ts';
import { ensureRun, readRunMetrics } from '../runs.ts';
import { scoreTestOnce } from '../../train/load-run.ts';
import type { BackboneEntry, PipelineSpec, SettingValue, TrainSpec, VariantEntry } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

export const SELECTION_FILE = 'selection.json';

export interface SelectedGroup {
  backbone: string;
  /** The variant's name in the pipeline, its preset and profile. */
  variant: string;
  preset: string;
  profile: string;
  label: string;
  chosen: { id: string; params: Record<string, SettingValue> };
  /** The seed the search trials trained with. */
  search_seed: number;
  /** Every search trial with its validation value of the selection metric. */
  trials: { id: string; params: Record<string, SettingValue>; valid: number }[];
  /** The chosen configuration's runs, one per seed (directories relative to the train step). */
  runs: { seed: number; dir: string }[];
}

export interface Selection { metric: string; seeds: number[]; groups: SelectedGroup[] }

interface Unit { backbone: BackboneEntry; entry: VariantEntry; trials: Trial[] }

/** Every backbone × variant with its search trials (SGFD keys only where SGFD runs). */
function units(t: TrainSpec): Unit[] {
  return t.backbones.flatMap((backbone) => backbone.variants.map((entry) => {
    const sgfd = VARIANTS[entry.variant].sgfd;
    return { backbone, entry, trials: searchTrials(backbone.search, (k) => sgfd || !k.startsWith('sgfd.')) };
  }));
}

const runDir = (root: string, u: Unit, trialId: string, seed: number) => join(root, u.backbone.name, u.entry.name, trialId, `seed-${seed}`);

function settingsFor(t: TrainSpec, dataDir: string, u: Unit, trial: Trial, seed: number, quiet: boolean, scoreTest: boolean): RunSettings {
  const set = { ...t.set, ...u.backbone.set, ...u.entry.set, ...trial.params };
  return {
    data: dataDir, backbone: u.backbone.name, sgfd: VARIANTS[u.entry.variant].sgfd, variant: u.entry.variant, profile: u.entry.profile,
    set: Object.fromEntries(Object.entries(set).map(([k, v]) => [k, String(v)])), teacherEpochs: t.teacher_epochs,
    train: { ...TRAIN_DEFAULTS, epochs: u.backbone.epochs, patience: u.backbone.patience, ...(u.backbone.eval_every !== 1 ? { evalEvery: u.backbone.eval_every } : {}), ...(u.backbone.min_epochs ? { minEpochs: u.backbone.min_epochs } : {}), ...(t.grad_norms ? { gradNorms: true } : {}), metric: t.metric, seed, threads: t.threads, quiet, worker: true, resume: false, scoreTest },
  };
}

/** Runs of one unit: with a search, its trials on the search seed plus the chosen trial's other seeds; without, one per seed. */
/** The seeds a unit's chosen configuration runs with: the variant's own, else its backbone's (else train.seeds). */
const unitSeeds = (u: Unit) => u.entry.seeds ?? u.backbone.seeds;
const unitRuns = (_t: TrainSpec, u: Unit) => (u.trials.length > 1 ? u.trials.length + unitSeeds(u).filter((s) => s !== u.backbone.search.seed).length : unitSeeds(u).length);
const plannedRuns = (t: TrainSpec) => units(t).reduce((n, u) => n + unitRuns(t, u), 0);

async function trainUnit(ctx: StepContext, ds: Dataset, dataDir: string, u: Unit, counter: { done: number; total: number }): Promise<SelectedGroup> {
  const t = ctx.spec.train!;
  const name = `${u.backbone.name}/${u.entry.name}`;
  const bring = async (trial: Trial, seed: number, scoreTest: boolean) => {
    const dir = runDir(ctx.dir, u, trial.id, seed);
    const t0 = Date.now();
    const { metrics, state } = await ensureRun(settingsFor(t, dataDir, u, trial, seed, ctx.quiet, scoreTest), dir, ds, ctx.upstream.data!.digest, ctx.log);
    counter.done++;
    const how = state === 'done' ? 'already finished' : `${state === 'resume' ? 'resumed' : 'trained'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`;
    ctx.log(`[${counter.done}/${counter.total}] ${name} ${trial.id} seed ${seed}: valid ${t.metric} ${metrics.valid[t.metric]?.toFixed(4)} (${how})`);
    return metrics;
  };
  const outcomes: TrialOutcome[] = [];
  const searching = u.trials.length > 1;
  const searchSeed = u.backbone.search.seed;
  // Trials are trained without scoring test; only the chosen configuration's runs are scored.
  if (searching) for (const trial of u.trials) outcomes.push({ trial, valid: (await bring(trial, searchSeed, false)).valid });
  const chosen = searching ? selectTrial(outcomes, t.metric).trial : u.trials[0];
  if (searching) {
    ctx.log(`${name}: chose ${chosen.id} on validation ${t.metric}`);
    if (unitSeeds(u).includes(searchSeed)) await scoreTestOnce(runDir(ctx.dir, u, chosen.id, searchSeed), { threads: t.threads });
  }
  for (const seed of unitSeeds(u)) if (!searching || seed !== searchSeed) await bring(chosen, seed, true);
  return {
    backbone: u.backbone.name, variant: u.entry.name, preset: u.entry.variant, profile: u.entry.profile,
    label: u.entry.name === u.entry.variant ? rowLabel(u.backbone.name, u.entry.variant) : rowLabel(u.backbone.name, u.entry.name),
    chosen: { id: chosen.id, params: chosen.params }, search_seed: searchSeed,
    trials: outcomes.map((o) => ({ id: o.trial.id, params: o.trial.params, valid: o.valid[t.metric] })),
    runs: unitSeeds(u).map((seed) => ({ seed, dir: relative(ctx.dir, runDir(ctx.dir, u, chosen.id, seed)) })),
  };
}

/** "3 seeds each", or "1–3 seeds each" when groups differ. */
function seedsText(counts: number[]): string {
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return `${lo === hi ? lo : `${lo}–${hi}`} seed${hi > 1 ? 's' : ''} each`;
}

/** Finished run directories below the train step (for progress lines). */
function finishedRuns(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith('seed-')) { if (existsSync(join(d, e.name, RUN_FILES.metrics))) n++; } else walk(join(d, e.name));
    }
  };
  walk(dir);
  return n;
}

export const trainStep: StepDefinition = {
  name: 'train',
  config: (spec: PipelineSpec) => spec.train,
  run: async (ctx: StepContext) => {
    const t = ctx.spec.train!;
    const dataDir = artifact(ctx, 'data', 'dataset');
    const ds = readDataset(dataDir);
    const counter = { done: 0, total: plannedRuns(t) };
    const groups: SelectedGroup[] = [];
    for (const u of units(t)) groups.push(await trainUnit(ctx, ds, dataDir, u, counter));
    const selection: Selection = { metric: t.metric, seeds: t.seeds, groups };
    const path = join(ctx.dir, SELECTION_FILE);
    writeJson(path, selection);
    const finals = groups.flatMap((g) => g.runs.map((r) => join(ctx.dir, r.dir, RUN_FILES.metrics)));
    return {
      artifacts: { selection: path, root: ctx.dir },
      digestOf: [path, ...finals],
      summary: [`${counter.total} runs (${groups.length} backbone × variant groups, ${seedsText(groups.map((g) => g.runs.length))}); selection on validation ${t.metric}`],
    };
  },
  progress: (ctx: StepContext) => {
    const t = ctx.spec.train!;
    const lines = units(t).map((u) => `${u.backbone.name}/${u.entry.name}: ${u.trials.length > 1
      ? `${u.trials.length} trials (${u.backbone.search.method} search) on seed ${u.backbone.search.seed}, then the chosen one` : `${u.trials[0].id}`} × seeds ${unitSeeds(u).join(', ')}`);
    return [...lines, `${finishedRuns(ctx.dir)} of ${plannedRuns(t)} runs finished`];
  },
};

/** The train step's selection with run directories made absolute. */
export function readSelection(trainDir: string): Selection {
  const s = readJson<Selection>(join(trainDir, SELECTION_FILE));
  return { ...s, groups: s.groups.map((g) => ({ ...g, runs: g.runs.map((r) => ({ ...r, dir: join(trainDir, r.dir) })) })) };
}

/** The group's run with the best validation value of `metric` (a seed is picked on validation too). */
export function bestSeedRun(group: SelectedGroup, metric: string): { seed: number; dir: string } {
  const scored = group.runs.map((r) => ({ ...r, valid: readRunMetrics(r.dir).valid[metric] }));
  return scored.reduce((best, r) => (r.valid > best.valid ? r : best));
}
