// src/pipeline/ — pipeline files, the runner, searches and the run pools.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { loadPipeline, parseVars } from './load.ts';
export { STEP_NAMES, type StepName } from './spec.ts';
export { REPORT_FILES } from './steps/report.ts';
