// `sgfd pipeline run|status FILE` (declarative pipelines, pipelines/*.yaml) and `sgfd demo` (the
// embedded demo pipeline: synthetic data → teacher → BM3 vs SGFD-BM3 → table → export → score → plots).
import type { Argv, CommandModule } from 'yargs';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { projectFile } from '../runtime/index.ts';
import { loadPipeline, parseVars } from '../pipeline/index.ts';
import { STEP_NAMES, type StepName } from '../pipeline/index.ts';
import { REPORT_FILES } from '../pipeline/index.ts';
import { formatRows } from './tables.ts';

export const DEMO_PIPELINE = projectFile('pipelines/demo.yaml');

interface RunArgs { file: string; out: string; only?: StepName; force: StepName[]; 'dry-run': boolean; var: string[]; quiet: boolean; jobs?: number; queue?: string }

const runOptions = (y: Argv) => y
  .option('out', { type: 'string', default: 'runs', describe: 'parent directory of the run tree (<out>/<pipeline name>/<step>/)' })
  .option('force', { type: 'string', array: true, choices: STEP_NAMES, default: [] as StepName[], describe: 'redo this step even if its inputs are unchanged (repeatable)' })
  .option('var', { type: 'string', array: true, default: [] as string[], describe: 'NAME=VALUE for ${NAME} in the pipeline file (else the environment)' })
  .option('quiet', { type: 'boolean', default: false })
  .option('jobs', { type: 'number', describe: 'training runs at once on this machine, each its own process with floor(train.threads / N) threads (default: the file\'s train.jobs, else 1); results are the same for any N' })
  .option('queue', { type: 'string', describe: 'train the runs as jobs on this Redis queue for `sgfd worker`s (redis://[:PASSWORD@]HOST:PORT); the run tree must be on storage every worker sees' });

/** The runner brings the plotting libraries; loaded only when a pipeline command runs (keeps `sgfd` startup quick). */
const runner = () => import('../pipeline/runner.ts');

/** `--queue`, checked before any step runs: a one-line error when it cannot be reached (not after the data step). */
async function reachableQueue(url: string, jobs: number | undefined, dryRun: boolean) {
  if (jobs !== undefined) throw new Error('--jobs and --queue: choose one (with a queue, the workers decide how many runs train at once)');
  const { parseQueueUrl } = await import('../queue/queue-url.ts');
  const target = parseQueueUrl(url);
  if (!dryRun) {
    const { connectQueue, closeQuietly } = await import('../queue/connection.ts');
    await closeQuietly(await connectQueue(target));
  }
  return target;
}

async function runAndReport(file: string, a: Omit<RunArgs, 'file'>): Promise<void> {
  if (a.jobs !== undefined && !(Number.isInteger(a.jobs) && a.jobs >= 1)) throw new Error(`--jobs: expected a positive integer, got ${a.jobs}`);
  const p = loadPipeline(file, parseVars(a.var));
  const queue = a.queue === undefined ? undefined : await reachableQueue(a.queue, a.jobs, a['dry-run']);
  const { runPipeline, pipelineRoot } = await runner();
  const t0 = performance.now();
  const outcomes = await runPipeline(p, { out: a.out, only: a.only, force: a.force, dryRun: a['dry-run'], quiet: a.quiet, jobs: a.jobs, queue });
  const rows = [['step', 'action', 'why', 'seconds'], ...outcomes.map((o) => [o.step, o.action, o.reason, o.action === 'ran' ? o.seconds.toFixed(1) : ''])];
  process.stdout.write(formatRows(rows));
  const root = pipelineRoot(p, a.out);
  if (a['dry-run']) {
    for (const o of outcomes) for (const d of o.details) process.stdout.write(`  ${o.step}: ${d}\n`);
    return;
  }
  const results = join(root, 'report', REPORT_FILES.markdown);
  if (existsSync(results)) process.stdout.write(`\n${readFileSync(results, 'utf8')}\n`);
  process.stdout.write(`${p.spec.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s; everything is linked from ${join(root, 'report.md')}\n`);
}

const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Run a pipeline file; finished steps whose inputs are unchanged are skipped, interrupted training resumes',
  builder: (y) => runOptions(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (YAML or JSON)' })
    .option('only', { choices: STEP_NAMES, describe: 'run just this step (the steps it reads must have run)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'say what would run, and why, without running it' }) as never,
  handler: (a) => runAndReport(a.file, a),
};

const statusCommand: CommandModule<object, { file: string; out: string; var: string[] }> = {
  command: 'status <file>',
  describe: 'Show each step of a pipeline: done, stale (inputs changed since) or pending, with progress',
  builder: (y) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (YAML or JSON)' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent directory of the run tree' })
    .option('var', { type: 'string', array: true, default: [] as string[], describe: 'NAME=VALUE for ${NAME} in the pipeline file' }) as never,
  handler: async (a) => {
    const p = loadPipeline(a.file, parseVars(a.var));
    const { pipelineStatus, pipelineRoot } = await runner();
    process.stdout.write(`${p.spec.name} (${pipelineRoot(p, a.out)})\n`);
    for (const s of pipelineStatus(p, a.out)) {
      process.stdout.write(`${s.step.padEnd(8)} ${s.state.padEnd(8)} ${s.finished ?? ''}\n`);
      for (const d of s.details) process.stdout.write(`         ${d}\n`);
    }
  },
};

export const pipelineCommand: CommandModule<object, object> = {
  command: 'pipeline',
  describe: 'Declarative pipelines (pipelines/*.yaml): data, teacher, train (grid × seeds), report, export, score, plots',
  builder: (y) => y.command(runCommand).command(statusCommand).demandCommand(1, 'Name a pipeline command: run or status.'),
  handler: () => {},
};

export const demoCommand: CommandModule<object, Omit<RunArgs, 'file' | 'only'>> = {
  command: 'demo',
  describe: 'Run the demo pipeline (pipelines/demo.yaml): synthetic data → teacher → BM3 vs SGFD-BM3 → table → export → score → plots',
  builder: (y) => runOptions(y).option('dry-run', { type: 'boolean', default: false, describe: 'say what would run without running it' }) as never,
  handler: (a) => runAndReport(DEMO_PIPELINE, a),
};
