// Step `train`: for every backbone × variant, the search trials (one seed; with successive halving,
// hopeless ones stop at a rung), the choice of the best on validation, then the chosen configuration
// re-run with every seed. Runs live in train/<backbone>/<variant>/<trial>/seed-<n>/; finished ones
// are kept, interrupted ones resumed; up to `jobs` train at once (run-pool.ts), or every run that is
// ready goes to a queue for `sgfd worker`s (`--queue`, src/queue/queue-run-pool.ts).
import { join, relative } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { readDataset } from '../../data/index.ts';
import { VARIANTS, type RunSettings } from '../../train/index.ts';
import { TRAIN_DEFAULTS } from '../../train/index.ts';
import { RUN_FILES, writeJson, readJson } from '../../run/index.ts';
import { rowLabel } from '../../report/index.ts';
import { searchTrials, selectTrial, type Trial, type TrialOutcome } from '../search.ts';
import { RUN_CUT, readRunMetrics, type RunJob, type RunProgress } from '../runs.ts';
import { RunPool, type RunExecutor } from '../run-pool.ts';
import { halvingRungs, runValueAt, type HalvingSettings } from '../halving.ts';
import { halvingSearch, type HalvingTrialRecord } from '../halving-search.ts';
import { scoreTestOnce } from '../../run/index.ts';
import { SEARCH_PROFILE_KEY, type BackboneEntry, type PipelineSpec, type SettingValue, type TrainSpec, type VariantEntry } from '../spec.ts';
import type { Profile } from '../../sgfd/index.ts';
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
  /** Every search trial with its validation value of the selection metric (halving: also its rungs, epochs and whether it was cut). */
  trials: ({ id: string; params: Record<string, SettingValue>; valid: number } | HalvingTrialRecord)[];
  /** A halving search's η and rung epochs. */
  halving?: { reduction_factor: number; rungs: number[] };
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

/** The SGFD profile a trial runs: the one it searches (`sgfd.profile`), else its variant's. */
const trialProfile = (u: Unit, params: Record<string, SettingValue>) => (params[SEARCH_PROFILE_KEY] as Profile | undefined) ?? u.entry.profile;

function settingsFor(t: TrainSpec, dataDir: string, u: Unit, trial: Trial, seed: number, quiet: boolean, scoreTest: boolean): RunSettings {
  const { [SEARCH_PROFILE_KEY]: _profile, ...set } = { ...t.set, ...u.backbone.set, ...u.entry.set, ...trial.params };
  return {
    data: dataDir, backbone: u.backbone.name, sgfd: VARIANTS[u.entry.variant].sgfd, variant: u.entry.variant, profile: trialProfile(u, trial.params),
    set: Object.fromEntries(Object.entries(set).map(([k, v]) => [k, String(v)])), teacherEpochs: t.teacher_epochs, teacherSeed: t.teacher_seed,
    train: { ...TRAIN_DEFAULTS, epochs: u.backbone.epochs, patience: u.backbone.patience, ...(u.backbone.eval_every !== 1 ? { evalEvery: u.backbone.eval_every } : {}), ...(u.backbone.min_epochs ? { minEpochs: u.backbone.min_epochs } : {}), ...(t.grad_norms ? { gradNorms: true } : {}), metric: t.metric, seed, threads: t.threads, quiet, worker: true, resume: false, scoreTest },
  };
}

/** Runs of one unit: with a search, its trials on the search seed plus the chosen trial's other seeds; without, one per seed. */
/** The seeds a unit's chosen configuration runs with: the variant's own, else its backbone's (else train.seeds). */
const unitSeeds = (u: Unit) => u.entry.seeds ?? u.backbone.seeds;
const unitRuns = (_t: TrainSpec, u: Unit) => (u.trials.length > 1 ? u.trials.length + unitSeeds(u).filter((s) => s !== u.backbone.search.seed).length : unitSeeds(u).length);
const plannedRuns = (t: TrainSpec) => units(t).reduce((n, u) => n + unitRuns(t, u), 0);

/** What every unit of one step run shares: where runs go, the pool they run in, the progress count. */
interface StepRuns { ctx: StepContext; dataDir: string; pool: RunExecutor; counter: { done: number; total: number } }

/** A unit's runs: their jobs, and bringing one to finished with one progress line. */
function unitRunner(r: StepRuns, u: Unit) {
  const { ctx } = r;
  const t = ctx.spec.train!;
  const name = `${u.backbone.name}/${u.entry.name}`;
  const job = (trial: Trial, seed: number, scoreTest: boolean, untilEpoch?: number): RunJob => ({
    settings: settingsFor(t, r.dataDir, u, trial, seed, ctx.quiet, scoreTest), dir: runDir(ctx.dir, u, trial.id, seed), dataDigest: ctx.upstream.data!.digest, untilEpoch,
  });
  /** One line per run that is finished (or cut), counted against every run the step plans. */
  const finishedLine = (trial: Trial, seed: number, text: string) => {
    r.counter.done++;
    ctx.log(`[${r.counter.done}/${r.counter.total}] ${name} ${trial.id} seed ${seed}: ${text}`);
  };
  const bring = async (trial: Trial, seed: number, scoreTest: boolean): Promise<RunProgress> => {
    const p = await r.pool.run(job(trial, seed, scoreTest));
    const how = p.state === 'done' ? 'already finished' : `${p.state === 'resume' ? 'resumed' : 'trained'} in ${p.seconds.toFixed(0)} s`;
    finishedLine(trial, seed, `valid ${t.metric} ${p.metrics!.valid[t.metric]?.toFixed(4)} (${how})`);
    return p;
  };
  return { name, job, finishedLine, bring };
}

async function trainUnit(r: StepRuns, u: Unit): Promise<SelectedGroup> {
  const { ctx, pool } = r;
  const t = ctx.spec.train!;
  const { name, bring } = unitRunner(r, u);
  const searching = u.trials.length > 1;
  const search = u.backbone.search;
  let outcomes: TrialOutcome[] = [];
  let halving: Pick<SelectedGroup, 'halving' | 'trials'> | null = null;
  // Trials are trained without scoring test; only the chosen configuration's runs are scored.
  if (searching && search.method === 'halving') ({ outcomes, halving } = await halvingUnit(r, u));
  else if (searching) outcomes = await Promise.all(u.trials.map(async (trial) => ({ trial, valid: (await bring(trial, search.seed, false)).metrics!.valid })));
  const chosen = searching ? selectTrial(outcomes, t.metric).trial : u.trials[0];
  if (searching) {
    ctx.log(`${name}: chose ${chosen.id} on validation ${t.metric}`);
    if (unitSeeds(u).includes(search.seed)) await pool.withSlot((threads) => scoreTestOnce(runDir(ctx.dir, u, chosen.id, search.seed), { threads }));
  }
  await Promise.all(unitSeeds(u).filter((seed) => !searching || seed !== search.seed).map((seed) => bring(chosen, seed, true)));
  return {
    backbone: u.backbone.name, variant: u.entry.name, preset: u.entry.variant, profile: trialProfile(u, chosen.params),
    label: u.entry.name === u.entry.variant ? rowLabel(u.backbone.name, u.entry.variant) : rowLabel(u.backbone.name, u.entry.name),
    chosen: { id: chosen.id, params: chosen.params }, search_seed: search.seed,
    trials: halving?.trials ?? outcomes.map((o) => ({ id: o.trial.id, params: o.trial.params, valid: o.valid[t.metric] })),
    ...(halving ? { halving: halving.halving } : {}),
    runs: unitSeeds(u).map((seed) => ({ seed, dir: relative(ctx.dir, runDir(ctx.dir, u, chosen.id, seed)) })),
  };
}

/** The rung epochs of a unit's halving search (its backbone's budget and validation epochs). */
const unitRungs = (u: Unit) => halvingRungs(u.backbone.search as HalvingSettings, u.backbone.epochs, u.backbone.eval_every);

/** A unit's trials through successive halving (halving-search.ts), on the search seed. */
async function halvingUnit(r: StepRuns, u: Unit): Promise<{ outcomes: TrialOutcome[]; halving: Pick<SelectedGroup, 'halving' | 'trials'> }> {
  const { ctx, pool } = r;
  const { name, job, finishedLine, bring } = unitRunner(r, u);
  const metric = ctx.spec.train!.metric;
  const { seed, reduction_factor: eta } = u.backbone.search as HalvingSettings & { seed: number };
  const rungs = unitRungs(u);
  const dir = (trial: Trial) => runDir(ctx.dir, u, trial.id, seed);
  const shown = (v: number | null) => (v === null ? 'none' : v.toFixed(4));
  if (!rungs.length) ctx.log(`${name}: no halving rung fits below the ${u.backbone.epochs}-epoch budget; every trial trains fully`);
  const result = await halvingSearch(u.trials, rungs, eta, metric, {
    advance: async (trial, untilEpoch) => {
      if (untilEpoch === null) return bring(trial, seed, false);
      const p = await pool.run(job(trial, seed, false, untilEpoch));
      const how = p.trained ? `${p.state === 'resume' ? 'resumed' : 'trained'}: ${p.trained} epochs in ${p.seconds.toFixed(0)} s` : 'already there';
      ctx.log(`${name} ${trial.id} seed ${seed}: at the ${untilEpoch}-epoch rung, best valid ${metric} ${shown(runValueAt(dir(trial), metric, untilEpoch))} (${how})`);
      return p;
    },
    valueAt: (trial, epoch) => runValueAt(dir(trial), metric, epoch),
    onCut: (trial, rung, epoch, valid) => {
      writeJson(join(dir(trial), RUN_CUT), { rung, epoch, valid });
      finishedLine(trial, seed, `cut at rung ${rung} (${epoch} epochs), valid ${metric} ${shown(valid)}`);
    },
    onRung: (rung, epoch, kept, cut) => ctx.log(`${name}: rung ${rung}/${rungs.length} (${epoch} epochs): ${kept.length} of ${kept.length + cut.length} trials go on (${kept.map((k) => k.id).join('; ')})`),
  });
  return { outcomes: result.finished, halving: { halving: { reduction_factor: eta, rungs }, trials: result.records } };
}

/** "grid search", or "halving search: rungs at 12, 36 epochs, η 3". */
function searchText(u: Unit): string {
  const s = u.backbone.search;
  if (s.method !== 'halving') return `${s.method} search`;
  const rungs = unitRungs(u);
  const at = `rung${rungs.length > 1 ? 's' : ''} at ${rungs.join(', ')} epoch${rungs.at(-1)! > 1 ? 's' : ''}`;
  return `halving search: ${rungs.length ? at : 'no rung below the budget'}, η ${s.reduction_factor}`;
}

/** "; halving stopped 6 of 9 trials at a rung", when a halving search cut any. */
function cutText(groups: SelectedGroup[]): string {
  const halving = groups.filter((g) => g.halving).flatMap((g) => g.trials as HalvingTrialRecord[]);
  const cut = halving.filter((x) => x.cut).length;
  return cut ? `; halving stopped ${cut} of ${halving.length} trials at a rung` : '';
}

/** "3 seeds each", or "1–3 seeds each" when groups differ. */
function seedsText(counts: number[]): string {
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return `${lo === hi ? lo : `${lo}–${hi}`} seed${hi > 1 ? 's' : ''} each`;
}

/** Finished run directories below the train step, counting search trials cut by halving (for progress lines). */
function finishedRuns(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (!e.name.startsWith('seed-')) walk(join(d, e.name));
      else if (existsSync(join(d, e.name, RUN_FILES.metrics)) || existsSync(join(d, e.name, RUN_CUT))) n++;
    }
  };
  walk(dir);
  return n;
}

export const trainStep: StepDefinition = {
  name: 'train',
  // How many runs train at once never changes a result, so `jobs` is no input of the step.
  config: (spec: PipelineSpec) => spec.train && { ...spec.train, jobs: undefined },
  run: async (ctx: StepContext) => {
    const t = ctx.spec.train!;
    const dataDir = artifact(ctx, 'data', 'dataset');
    const jobs = ctx.queue ? Infinity : ctx.jobs ?? t.jobs ?? 1;
    const ds = readDataset(dataDir);
    let pool: RunExecutor;
    if (ctx.queue) {
      // Loaded only here: the queue client is no cost to a local run.
      const { QueueRunPool } = await import('../queue-run-pool.ts');
      pool = await QueueRunPool.open(ctx.queue, { dir: ctx.dir, ds, threads: t.threads, log: ctx.log });
    } else {
      const local = new RunPool(jobs, t.threads, ds, ctx.log);
      if (jobs > 1) ctx.log(`up to ${jobs} runs at once (each its own process), ${local.threadsPerRun} thread${local.threadsPerRun > 1 ? 's' : ''} each`);
      pool = local;
    }
    const r: StepRuns = { ctx, dataDir, pool, counter: { done: 0, total: plannedRuns(t) } };
    let groups: SelectedGroup[] = [];
    try {
      // One job keeps the familiar order (unit by unit); several (or a queue) let every unit's runs share the slots.
      if (jobs === 1) for (const u of units(t)) groups.push(await trainUnit(r, u));
      else groups = await Promise.all(units(t).map((u) => trainUnit(r, u)));
    } finally {
      await pool.close();
    }
    const counter = r.counter;
    const selection: Selection = { metric: t.metric, seeds: t.seeds, groups };
    const path = join(ctx.dir, SELECTION_FILE);
    writeJson(path, selection);
    const finals = groups.flatMap((g) => g.runs.map((r) => join(ctx.dir, r.dir, RUN_FILES.metrics)));
    return {
      artifacts: { selection: path, root: ctx.dir },
      digestOf: [path, ...finals],
      summary: [`${counter.total} runs (${groups.length} backbone × variant groups, ${seedsText(groups.map((g) => g.runs.length))}); selection on validation ${t.metric}${cutText(groups)}`],
    };
  },
  progress: (ctx: StepContext) => {
    const t = ctx.spec.train!;
    const lines = units(t).map((u) => `${u.backbone.name}/${u.entry.name}: ${u.trials.length > 1
      ? `${u.trials.length} trials (${searchText(u)}) on seed ${u.backbone.search.seed}, then the chosen one` : `${u.trials[0].id}`} × seeds ${unitSeeds(u).join(', ')}`);
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
