// config.json of a run directory: the resolved settings a run trained with (dataset, backbone and
// its settings, variant, SGFD and stage-1 teacher settings, the trainer's options), and the shape
// of metrics.json. Train writes them; export, score, serve, eval and the pipeline read them.
import { type Device } from '../runtime/index.ts';
import { type Compat } from '../eval/index.ts';
import { type ConfigValue } from '../backbones/index.ts';
import { type ExtractorKind } from '../sgfd/index.ts';
import { type SgfdConfig, SGFD_LATER_SETTINGS } from '../sgfd/index.ts';

export interface TrainOptions {
  epochs: number;
  /** Epochs without a validation improvement before stopping (counted in epochs, not evaluations). */
  patience: number;
  /**
   * Validate every this many epochs (and after the last); default 1. Models whose full-ranking
   * evaluation costs as much as an epoch (MAML scores every user–item pair with a network) use 2–5.
   */
  evalEvery?: number;
  /**
   * Patience starts to count only after this many epochs (default 0). Some backbones (BM3) sit on a
   * validation plateau for tens of epochs before their real peak; stopping on it is a coin flip.
   * Best-validation parameters are kept either way, so a larger value costs time, never quality.
   */
  minEpochs?: number;
  /** Log each loss term's gradient norm per parameter group every epoch (one extra backward per term). */
  gradNorms?: boolean;
  /** Validation metric to select on, e.g. 'recall@20'. */
  metric: string;
  seed: number;
  device: Device;
  threads: number;
  /** Host the train step in a worker thread (keeps the main thread live). */
  worker: boolean;
  quiet: boolean;
  resume: boolean;
  compat?: Compat;
  /** Stop (as if interrupted) after this many epochs in this invocation; the checkpoint stays. */
  haltAfter?: number;
  /**
   * Score test at the end (default). Search trials pass false: selection never needs test, and the
   * chosen trial's test is scored once afterwards (load-run.ts `scoreTestOnce`).
   */
  scoreTest?: boolean;
}

export interface ResolvedConfig {
  version: 1;
  dataset: { path: string; name: string; synthetic: boolean; users: number; items: number; modalities: Record<string, number>; labels: number };
  backbone: string;
  backbone_config: Record<string, ConfigValue>;
  variant: string;
  extractor: ExtractorKind | 'sgfd';
  sgfd: SgfdConfig | null;
  /** Stage-1 teacher (paper profile, or the teacher-* extractors); null when none is trained first. */
  teacher: SgfdConfig | null;
  teacher_epochs: number | null;
  /** The stage-1 teacher seed; present only when a teacher is trained first. */
  teacher_seed?: number;
  train: Omit<TrainOptions, 'quiet' | 'resume' | 'haltAfter' | 'worker' | 'scoreTest'>;
}

/** metrics.json: the best-validation parameters' metrics, the best epoch, epochs run, training s/epoch. */
export interface RunMetrics {
  valid: Record<string, number>; test: Record<string, number>; best_epoch: number; epochs_run: number; seconds_per_epoch: number;
  /** What the train step left to the native kernels ('propagation + Adam', 'Adam', … or 'none'): the same math either way. */
  native_kernels?: string;
  /** ORT threads the train step ran on, out of the run's `threads` (runtime/step-threads.ts): never changes results. */
  step_threads?: number;
  /** The train step's matrix-product multiply-adds for the first batch, from which step_threads was chosen. */
  step_multiply_adds?: number;
}

/** A saved config.json as today's code writes it: SGFD settings added since it was written take the values it ran with. */
export function upgradeConfig(saved: ResolvedConfig): ResolvedConfig {
  const fill = (c: SgfdConfig | null) => (c ? { ...SGFD_LATER_SETTINGS, ...c } : c);
  return { ...saved, sgfd: fill(saved.sgfd), teacher: fill(saved.teacher) };
}
