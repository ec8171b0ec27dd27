// src/run/ — the run-directory format: config, files, stage-1 files kept with a run, scoring a run, loading one.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { type ResolvedConfig, type RunMetrics, type TrainOptions, upgradeConfig } from './config.ts';
export { RUN_FILES, appendJsonLine, readJson, readPerUser, truncateLog, writeJson, writePerUser } from './files.ts';
export { type LoadedRun, evaluateRun, loadRun, scoreTestOnce } from './load-run.ts';
export { datasetProvenance, libraryVersion, runProvenance } from './provenance.ts';
export { checkRunDir, clearRunDir, runDatasetDigest, writeDatasetRecord } from './run-dir.ts';
export { scorer, scoringGraph } from './scoring.ts';
export { type KeptTeacherReport, TEACHER_FILES, keepTeacher, readTeacherParameters, writeTeacherParameters } from './teacher-files.ts';
