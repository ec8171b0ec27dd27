// src/score/ — `sgfd score`: batch top-K over a run to Arrow.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { SCORE_ENGINES, type ScoreEngineChoice } from './batch-score.ts';
export { prepareOutFile } from './out-file.ts';
export { type ServingTables, servingTables, tableScorer } from './run-source.ts';
export { writeBatchFile } from './score-arrow.ts';
export { type ScoreRunOptions, type ScoreRunResult, scoreRun } from './score-run.ts';
export { DEFAULT_EXCLUDE, EXCLUDE_CHOICES, type ExcludeSeen } from './user-selection.ts';
