// The trainer: epochs of shuffled batches through the fused train step, validation after each epoch,
// early stopping on a validation metric, best-parameter keeping, checkpoints (every 10 s or 10 epochs,
// and at the end) with exact resume, and one final test evaluation with the best parameters.
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { initialValues, type Parameter } from '../nn/index.ts';
import { NonFiniteError, EPOCH_INPUT, nativeWork, trainsNatively, type BatchTensor } from '../runtime/index.ts';
import { planBackboneStep } from './backbone-step.ts';
import { writeCheckpoint, readCheckpoint, type NamedTensor } from '../runtime/index.ts';
import { type Dataset } from '../data/index.ts';
import { Rng, type RngState } from '../data/index.ts';
import { runEpoch, type Stepper } from '../runtime/index.ts';
import { evaluate, TopKSessions, type MetricReport } from '../eval/index.ts';
import { type Backbone } from '../backbones/index.ts';
import { checkSetting, type SettingRange } from '../data/index.ts';
import { METRIC_NAMES, DEFAULT_KS } from '../eval/index.ts';
import { RUN_FILES, writeJson, appendJsonLine, truncateLog, writePerUser } from '../run/index.ts';
import { ProgressBar } from '../data/index.ts';
import { EarlyStopping, type BestSoFar } from './early-stopping.ts';
import { openStepper } from './feature-loan.ts';
import { type TrainOptions, type RunMetrics } from '../run/index.ts';
import { scorer, scoringGraph } from '../run/index.ts';

export const TRAIN_DEFAULTS: TrainOptions = { epochs: 100, patience: 20, metric: 'recall@20', seed: 1, device: 'cpu', threads: 2, worker: true, quiet: false, resume: false };

/** The trainer's numeric options: declared types and ranges, with the `sgfd train` flag that sets each. */
export const TRAIN_OPTION_RANGES: Record<string, { flag: string; range: SettingRange }> = {
  epochs: { flag: '--epochs', range: { type: 'int', min: 1 } },
  patience: { flag: '--patience', range: { type: 'int', min: 1 } },
  evalEvery: { flag: '--eval-every', range: { type: 'int', min: 1 } },
  minEpochs: { flag: '--min-epochs', range: { type: 'int', min: 0 } },
  seed: { flag: '--seed', range: { type: 'int', min: 0, max: 2 ** 53 - 1 } },
  threads: { flag: '--threads', range: { type: 'int', min: 1, max: 1024 } },
  haltAfter: { flag: 'haltAfter', range: { type: 'int', min: 0 } },
};

/**
 * Checks every trainer option against its declared range (and the metric's form) before anything is
 * written; errors name the `sgfd train` flag.
 */
export function checkTrainOptions(o: TrainOptions): void {
  for (const [key, { flag, range }] of Object.entries(TRAIN_OPTION_RANGES)) {
    const v = (o as unknown as Record<string, unknown>)[key];
    if (v !== undefined) checkSetting(flag, v as number, range);
  }
  const every = o.evalEvery ?? 1;
  if (o.patience < every) throw new Error(`patience (${o.patience} epochs) must be at least evalEvery (${every}): otherwise training stops before it is validated`);
  const metrics = METRIC_NAMES.flatMap((n) => DEFAULT_KS.map((k) => `${n}@${k}`));
  if (!metrics.includes(o.metric)) throw new Error(`--metric must be one of ${metrics.join(', ')}, got '${o.metric}'`);
}



const BEST = 'best.';

/** Trains `backbone` on `ds` into `outDir`; returns the final metrics (also written to metrics.json). */
export async function train(ds: Dataset, backbone: Backbone, outDir: string, o: TrainOptions, initial?: Map<string, Float32Array>): Promise<RunMetrics | null> {
  checkTrainOptions(o);
  mkdirSync(outDir, { recursive: true });
  const params = backbone.model.namedParameters();
  const rng = new Rng(o.seed);
  const values = initialValues(params, rng);
  for (const [k, v] of initial ?? []) if (values.has(k)) values.set(k, v);
  // The step's products decide its share of the threads, never its results (runtime/step-threads.ts).
  const { compiled, threads: stepThreadCount, work } = planBackboneStep(backbone, { gradNorms: o.gradNorms, native: trainsNatively(o.device) }, o.threads, rng);
  const session = { device: o.device, threads: o.threads };
  const scoring = await scoringGraph(backbone, params, session);
  const stepSession = { ...session, threads: stepThreadCount };
  const { stepper, close } = await openStepper(ds, compiled, values, backbone, o.worker, stepSession, new Set(scoring.session.inputNames));
  const progress = new ProgressBar(o.quiet);
  const ckptDir = join(outDir, RUN_FILES.checkpoint);
  const logPath = join(outDir, RUN_FILES.log);
  let epoch = 0;
  let stopping = new EarlyStopping(o.patience, o.minEpochs ?? 0);
  const seconds: number[] = [];
  if (o.resume && existsSync(ckptDir)) {
    let best: BestSoFar;
    ({ epoch, best } = await resumeFrom(ckptDir, params, stepper, rng));
    stopping = new EarlyStopping(o.patience, o.minEpochs ?? 0, best);
    seconds.push(...(readCheckpoint(ckptDir).manifest.seconds as number[] ?? []));
  }
  // The log holds exactly the epochs the checkpoint has (none when starting afresh): never two runs' epochs.
  truncateLog(logPath, epoch);
  const sessions = new TopKSessions(); // one top-K session for every validation of the run
  const evalValid = async (v: Map<string, Float32Array>) => evaluate(await scorer(scoring, ds, v, backbone), ds, 'valid', { threads: o.threads, compat: o.compat, chunk: backbone.evalChunk, sessions });
  const every = o.evalEvery ?? 1;
  let ranThisCall = 0;
  let checkpointedAt = -Infinity; // the first epoch of a call always leaves a checkpoint
  let checkpointEpoch = epoch;
  // Graphs with an epoch schedule (SGFD's λ1 decay) read the epoch; fed before each epoch's steps.
  const epochFed = compiled.batchInputs.some((i) => i.name === EPOCH_INPUT);
  const finished = () => epoch >= o.epochs || stopping.stop(epoch);
  const halted = () => o.haltAfter !== undefined && ranThisCall >= o.haltAfter;
  let failed = false;
  try {
    while (!finished()) {
      if (halted()) return null;
      epoch++;
      ranThisCall++;
      progress.restart();
      if (epochFed) await stepper.setFixedInputs({ [EPOCH_INPUT]: { data: Float32Array.of(epoch), dims: [] } });
      const t0 = performance.now();
      const { sums, steps } = await runEpoch(stepper, backbone.trainRows, backbone.batchSize, rng, (rows) => backbone.batchFeeds(rows, rng), (running, n, total) => {
        progress.draw(`epoch ${epoch}/${o.epochs}`, n / total, `loss ${(running.loss / n).toFixed(4)} ${stopping.describe(o.metric)}`);
      });
      const trainSeconds = (performance.now() - t0) / 1000;
      seconds.push(trainSeconds);
      const { losses, gradNorms } = epochMeans(sums, steps);
      const validating = epoch % every === 0 || epoch === o.epochs;
      // Validation fetches the parameters alone; a checkpoint (every 10 s or 10 epochs) everything.
      if (validating) {
        const current = paramValues(await stepper.checkpointTensors({ state: false }), params);
        const report = await evalValid(current);
        const value = report.means[o.metric];
        if (value === undefined) throw new Error(`unknown validation metric '${o.metric}': use one of ${Object.keys(report.means).join(', ')}`);
        stopping.observe(epoch, value, () => current);
        const best = stopping.best;
        appendJsonLine(logPath, { epoch, step: stepper.step, losses, ...gradNorms, valid: report.means, best_epoch: best.epoch, seconds: trainSeconds, eval_seconds: (performance.now() - t0) / 1000 - trainSeconds });
        progress.line(`epoch ${epoch}: loss ${losses.loss.toFixed(4)}  valid ${o.metric} ${value.toFixed(4)}  (best ${best.value.toFixed(4)} @ ${best.epoch})  ${trainSeconds.toFixed(1)}s`);
      } else {
        stopping.unvalidated(epoch);
        appendJsonLine(logPath, { epoch, step: stepper.step, losses, ...gradNorms, best_epoch: stopping.best.epoch, seconds: trainSeconds });
        progress.line(`epoch ${epoch}: loss ${losses.loss.toFixed(4)}  (validated every ${every} epochs)  ${trainSeconds.toFixed(1)}s`);
      }
      if (finished() || halted() || epoch - checkpointEpoch >= CHECKPOINT_EVERY_EPOCHS || performance.now() - checkpointedAt >= CHECKPOINT_EVERY_MS) {
        saveCheckpoint(ckptDir, await stepper.checkpointTensors(), stepper.step, rng.getState(), epoch, stopping.best, o, seconds);
        checkpointedAt = performance.now();
        checkpointEpoch = epoch;
      }
    }
  } catch (e) {
    failed = true;
    if (e instanceof NonFiniteError) {
      const kept = checkpointEpoch > 0 ? `the last good checkpoint (epoch ${checkpointEpoch}) is in ${ckptDir}` : 'there is no earlier checkpoint (it failed in the first epoch): lower lr or check the data';
      throw new NonFiniteError(`epoch ${epoch}: ${e.message}; ${kept}`);
    }
    throw e;
  } finally {
    await close(failed);
    if (failed || !finished()) await sessions.release(); // else the final evaluation below uses them too
  }
  const best = stopping.best;
  const finalValues = best.values ?? paramValues(await readCheckpoint(ckptDir).tensors, params);
  const s = await scorer(scoring, ds, finalValues, backbone);
  const eo = { threads: o.threads, compat: o.compat, chunk: backbone.evalChunk, sessions };
  let valid: MetricReport, test: MetricReport | null;
  try {
    valid = await evaluate(s, ds, 'valid', eo);
    test = o.scoreTest === false ? null : await evaluate(s, ds, 'test', eo);
  } finally { await sessions.release(); }
  await scoring.release();
  return writeResults(outDir, valid, test, best.epoch, epoch, seconds, { native_kernels: nativeWork(compiled), step_threads: stepSession.threads, ...(work !== null ? { step_multiply_adds: work } : {}) });
}

const GRAD_NORM = 'gradnorm.';

/**
 * Per-epoch means of the step outputs: loss terms, and (with --grad-norms) `grad_norms` as
 * { term: { group: mean ‖∂term/∂θ_group‖ over the epoch's steps } }.
 */
function epochMeans(sums: Record<string, number>, n: number): { losses: Record<string, number>; gradNorms: { grad_norms?: Record<string, Record<string, number>> } } {
  const losses: Record<string, number> = {};
  const norms: Record<string, Record<string, number>> = {};
  for (const [k, s] of Object.entries(sums)) {
    if (!k.startsWith(GRAD_NORM)) { losses[k] = s / n; continue; }
    const rest = k.slice(GRAD_NORM.length);
    const at = rest.lastIndexOf('.');
    (norms[rest.slice(0, at)] ??= {})[rest.slice(at + 1)] = s / n;
  }
  return { losses, gradNorms: Object.keys(norms).length ? { grad_norms: norms } : {} };
}

/** metrics.json and the per-user files; `test` null leaves test unscored ({} in metrics.json). */
function writeResults(outDir: string, valid: MetricReport, test: MetricReport | null, bestEpoch: number, epochs: number, seconds: number[], step: Pick<RunMetrics, 'native_kernels' | 'step_threads' | 'step_multiply_adds'>): RunMetrics {
  const metrics: RunMetrics = { valid: valid.means, test: test?.means ?? {}, best_epoch: bestEpoch, epochs_run: epochs, seconds_per_epoch: seconds.reduce((a, b) => a + b, 0) / Math.max(seconds.length, 1), ...step };
  writePerUser(join(outDir, RUN_FILES.perUser('valid')), valid.users, valid.perUser);
  if (test) writePerUser(join(outDir, RUN_FILES.perUser('test')), test.users, test.perUser);
  writeJson(join(outDir, RUN_FILES.metrics), metrics);
  return metrics;
}

function paramValues(t: Map<string, NamedTensor>, params: Map<string, Parameter>): Map<string, Float32Array> {
  return new Map([...params.keys()].map((k) => [k, t.get(k)!.data as Float32Array]));
}

/**
 * Checkpoints are written after the first epoch of a call, at the end (epoch cap, early stop, halt),
 * and otherwise once 10 s of wall time or 10 epochs have passed since the last: on small data an
 * epoch takes a fraction of a second, and writing parameters, optimiser state and the best values
 * (with fsync and digests) every epoch cost ~10 % of the run. Resume is exact from any checkpoint; an
 * interrupt loses at most 10 epochs or about 10 s of them, whichever is less.
 */
export const CHECKPOINT_EVERY_MS = 10_000;
export const CHECKPOINT_EVERY_EPOCHS = 10;

function saveCheckpoint(dir: string, current: Map<string, NamedTensor>, step: number, rngState: RngState, epoch: number, best: BestSoFar, o: TrainOptions, seconds: number[]) {
  const tensors = new Map(current);
  for (const [k, v] of best.values ?? []) tensors.set(BEST + k, { data: v, shape: [v.length] });
  writeCheckpoint(dir, tensors, {
    step, epoch, config: { seed: o.seed, metric: o.metric }, rng: rngState, seconds,
    best: { metric: o.metric, value: Number.isFinite(best.value) ? best.value : null, epoch: best.epoch, since: best.since },
  });
}

async function resumeFrom(dir: string, params: Map<string, Parameter>, stepper: Stepper, rng: Rng): Promise<{ epoch: number; best: BestSoFar }> {
  const { tensors, manifest } = readCheckpoint(dir);
  const own = new Map([...tensors].filter(([k]) => !k.startsWith(BEST)));
  await stepper.restore(own, manifest.step);
  rng.setState(manifest.rng as RngState);
  const b = manifest.best as { value: number; epoch: number; since: number };
  const bestValues = new Map([...params.keys()].filter((k) => tensors.has(BEST + k)).map((k) => [k, tensors.get(BEST + k)!.data as Float32Array]));
  return { epoch: manifest.epoch, best: { value: b.value ?? -Infinity, epoch: b.epoch, since: b.since, values: bestValues.size ? bestValues : null } };
}
