// src/sgfd/ — SGFD: profiles, teacher/student/classifiers, the objective, stage 1 and its cache, the item extractor.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { PROFILES, type Profile, SGFD_LATER_SETTINGS, SGFD_SETTINGS, type SgfdConfig, checkSgfdSetting, sgfdConfig } from './config.ts';
export { type ExtractorKind, type ExtractorTables, ItemExtractor, tableName, withSgfd } from './extractor.ts';
export { Sgfd } from './model.ts';
export { CACHE_ENV, type CachedTeacher, DATASET_CACHE_DIR, accuracyText, ensureTeacher } from './teacher-cache.ts';
export { TEACHER_FILES, type TeacherReport, encodeTeacherFeatures, encodeTeacherParameters, isStageOneParameter, readTeacherFeatures, readTeacherParameters } from './teacher-files.ts';
export { TEACHER_STAGE_DEFAULTS, type TeacherStageOptions, teacherLoss, teacherOptimizer, teacherStart } from './teacher-stage.ts';
export { type DistillDecision, distillDecision, usefulnessWarnings } from './teacher-usefulness.ts';
