// A backbone's train step, compiled for its size (nn/step-plan.ts): the work is counted on the first
// batch an epoch would draw from `rng` (a copy draws), with the backbone's fixed inputs. The trainer
// and the benches that measure it plan the step this way.
import { planTrainStep, type CompileOptions, type PlannedStep } from '../nn/index.ts';
import { firstBatchWork } from '../runtime/index.ts';
import { type Rng } from '../data/index.ts';
import { type Backbone } from '../backbones/index.ts';

export function planBackboneStep(backbone: Backbone, o: CompileOptions, threads: number | undefined, rng: Rng): PlannedStep {
  return planTrainStep(backbone.model.namedParameters(), (b) => backbone.buildLoss(b), backbone.optimizer, o, threads,
    (c) => firstBatchWork(c, backbone.trainRows, backbone.batchSize, rng, (rows, r) => backbone.batchFeeds(rows, r), backbone.fixedFeeds()));
}
