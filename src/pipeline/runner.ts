// The pipeline runner: steps in order, each in runs/<pipeline>/<step>/, skipped when the hash of its
// configuration, outside inputs and upstream outputs matches the one its step.json recorded;
// `force` redoes a step, `only` runs one, `dryRun` says what would happen; `status` reads the tree.
import { join, resolve } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { writeJson } from '../run/index.ts';
import { digestFiles, hashValue } from '../data/index.ts';
import type { LoadedPipeline } from './load.ts';
import { STEP_NEEDS, stepsOf, type PipelineSpec, type StepName } from './spec.ts';
import { readStepRecord, writeStepRecord, type StepContext, type StepDefinition, type StepRecord } from './step.ts';
import { dataStep } from './steps/data.ts';
import { teacherStep } from './steps/teacher.ts';
import { trainStep } from './steps/train.ts';
import { reportStep } from './steps/report.ts';
import { exportStep, scoreStep } from './steps/serve.ts';
import { plotsStep } from './steps/plots.ts';
import { writePipelineReport } from './pipeline-report.ts';
import type { QueueTarget } from '../queue/index.ts';

export const STEPS: Record<StepName, StepDefinition> = {
  data: dataStep, teacher: teacherStep, train: trainStep, report: reportStep, export: exportStep, score: scoreStep, plots: plotsStep,
};

export interface RunOptions {
  /** Parent of the run tree (default `runs`): the pipeline writes into <out>/<name>/. */
  out: string;
  only?: StepName;
  force?: StepName[];
  dryRun?: boolean;
  quiet?: boolean;
  log?: (message: string) => void;
  /** Training runs at once (the train step); wins over the file's `train.jobs`. */
  jobs?: number;
  /** The train step's runs go to this queue, for `sgfd worker`s (src/queue/). */
  queue?: QueueTarget;
}

export type StepAction = 'ran' | 'skipped' | 'would run' | 'up to date';
export interface StepOutcome { step: StepName; action: StepAction; reason: string; seconds: number; details: string[] }

export const pipelineRoot = (p: LoadedPipeline, out: string) => resolve(out, p.spec.name);

/** The hash a step would record now, or null while an upstream step has no record. */
function currentHash(def: StepDefinition, spec: PipelineSpec, records: Partial<Record<StepName, StepRecord>>): string | null {
  const upstream: Record<string, string> = {};
  for (const need of STEP_NEEDS[def.name]) {
    const rec = records[need];
    if (!rec) return null;
    upstream[need] = rec.digest;
  }
  return hashValue({ step: def.name, config: def.config(spec), external: def.external?.(spec) ?? null, upstream });
}

function context(p: LoadedPipeline, root: string, step: StepName, records: Partial<Record<StepName, StepRecord>>, o: RunOptions): StepContext {
  const log = o.log ?? ((m: string) => { if (!o.quiet) process.stderr.write(`${m}\n`); });
  const upstream = Object.fromEntries(STEP_NEEDS[step].filter((n) => records[n]).map((n) => [n, records[n]!]));
  return { spec: p.spec, root, dir: join(root, step), upstream, log: (m) => log(`[${step}] ${m}`), quiet: !!o.quiet, jobs: o.jobs, queue: o.queue };
}

export async function runPipeline(p: LoadedPipeline, o: RunOptions): Promise<StepOutcome[]> {
  const steps = stepsOf(p.spec);
  for (const s of [o.only, ...(o.force ?? [])]) {
    if (s && !steps.includes(s)) throw new Error(`${p.file}: no step '${s}' in this pipeline; its steps: ${steps.join(', ')}`);
  }
  const root = pipelineRoot(p, o.out);
  const records: Partial<Record<StepName, StepRecord>> = {};
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const def = STEPS[step];
    const ctx = context(p, root, step, records, o);
    const saved = readStepRecord(ctx.dir);
    const forced = o.force?.includes(step) ?? false;
    if (o.only && step !== o.only) {
      if (saved) records[step] = saved;
      continue;
    }
    const hash = currentHash(def, p.spec, records);
    if (hash === null) {
      const missing = STEP_NEEDS[step].filter((n) => !records[n]);
      if (o.dryRun) { outcomes.push({ step, action: 'would run', reason: `after ${missing.join(', ')}`, seconds: 0, details: def.progress?.(ctx) ?? [] }); continue; }
      throw new Error(`step '${step}' needs ${missing.join(', ')} finished first: run without --only ${step}`);
    }
    const upToDate = saved?.hash === hash && !forced;
    if (o.dryRun) {
      const reason = upToDate ? 'inputs unchanged' : forced ? 'forced' : saved ? 'inputs changed' : 'never ran';
      outcomes.push({ step, action: upToDate ? 'up to date' : 'would run', reason, seconds: 0, details: upToDate ? saved!.summary : def.progress?.(ctx) ?? [] });
      if (upToDate) records[step] = saved!;
      continue;
    }
    if (upToDate) {
      ctx.log(`up to date (inputs unchanged); skipped`);
      records[step] = saved!;
      outcomes.push({ step, action: 'skipped', reason: 'inputs unchanged', seconds: 0, details: saved!.summary });
      continue;
    }
    if (forced) rmSync(ctx.dir, { recursive: true, force: true });
    mkdirSync(ctx.dir, { recursive: true });
    ctx.log(forced ? 'forced: redoing' : saved ? 'inputs changed: running' : 'running');
    const t0 = performance.now();
    let result;
    try { result = await def.run(ctx); } catch (e) { throw new Error(`step '${step}' failed: ${(e as Error).message}`); }
    const seconds = (performance.now() - t0) / 1000;
    const record: StepRecord = {
      step, hash, config: def.config(p.spec), upstream: Object.fromEntries(Object.entries(ctx.upstream).map(([n, r]) => [n, r.digest])),
      artifacts: result.artifacts, digest: digestFiles(result.digestOf), finished: new Date().toISOString(), seconds, summary: result.summary,
    };
    writeStepRecord(ctx.dir, record);
    records[step] = record;
    for (const line of result.summary) ctx.log(line);
    ctx.log(`done in ${seconds.toFixed(1)} s`);
    outcomes.push({ step, action: 'ran', reason: forced ? 'forced' : saved ? 'inputs changed' : 'never ran', seconds, details: result.summary });
  }
  if (!o.dryRun) {
    writeJson(join(root, 'pipeline.json'), { file: p.file, spec: p.spec, steps: Object.fromEntries(Object.entries(records).map(([n, r]) => [n, { hash: r!.hash, digest: r!.digest, finished: r!.finished }])) });
    writePipelineReport(p, root, records);
  }
  return outcomes;
}

export type StepState = 'done' | 'stale' | 'pending';
export interface StepStatus { step: StepName; state: StepState; finished: string | null; details: string[] }

/** Each step: done (recorded with the current hash), stale (recorded, inputs since changed) or pending. */
export function pipelineStatus(p: LoadedPipeline, out: string): StepStatus[] {
  const root = pipelineRoot(p, out);
  const records: Partial<Record<StepName, StepRecord>> = {};
  return stepsOf(p.spec).map((step) => {
    const ctx = context(p, root, step, records, { out, quiet: true });
    const saved = readStepRecord(ctx.dir);
    const hash = currentHash(STEPS[step], p.spec, records);
    if (saved) records[step] = saved;
    if (saved && saved.hash === hash) return { step, state: 'done', finished: saved.finished, details: saved.summary };
    return { step, state: saved ? 'stale' : 'pending', finished: saved?.finished ?? null, details: STEPS[step].progress?.(ctx) ?? [] };
  });
}
