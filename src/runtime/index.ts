// src/runtime/ — ONNX Runtime sessions, the fused train step and its worker host, the epoch loop, checkpoints.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { bootSource, libraryVersion, projectFile, siblingModule } from './code-location.ts';
export { CheckpointError, type NamedTensor, decodeSafetensors, encodeSafetensors, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
export { type Stepper, runEpoch } from './epoch.ts';
export { ForwardGraph } from './forward.ts';
export { type Device, type Feeds, type SessionOptions, RANKING_SESSION, TUNED_MALLOC, createSession, mallocTuned, onGlibc, ort, tensor } from './session.ts';
export { EPOCH_INPUT, LR_INPUT, STEP_INPUT, type StateSpec, nextName } from './step-io.ts';
export { type BatchTensor, type CompiledTrainStep, NonFiniteError, TrainStep, stepGraphBytes } from './train-step.ts';
export { PARALLEL_STEP_WORK, firstBatchWork, isSmallStep, stepMultiplyAdds, stepThreads } from './step-threads.ts';
export { StagedSession, type StepSession } from './staged-session.ts';
export { WorkerTrainStep } from './worker-step.ts';
export { type NativeKernels, NATIVE_MODULE, PANEL, nativeKernels, nativeThreads, trainsNatively, packItemPanels } from './native.ts';
export { type NativeAdamPlan, type OffloadPlan, type PropagationOffload, BIAS_CORRECTIONS, OffloadedPropagation, gradientOf, rowGradientOf, nativeWork } from './propagation-offload.ts';
