// src/train/ — the trainer and a whole run from resolved settings.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { withRecommended } from './recommended.ts';
export { type RunSettings, VARIANTS, resolveSettings, runTraining } from './run.ts';
export { TRAIN_DEFAULTS } from './trainer.ts';
