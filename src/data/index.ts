// src/data/ — Arrow datasets and their importers, the synthetic default, seeded RNG and samplers, setting ranges, atomic files, the progress bar.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { type FileDigest, fixedSizeListColumn, readArrowFile, requireColumn, typedColumn } from './arrow-columns.ts';
export { INTERACTIONS_FILE, ITEMS_FILE, MANIFEST_FILE, readDataset, readIdMap, recreateManifest, writeDataset } from './arrow-io.ts';
export { fileAncestor, removeStaleLeftovers, writeDirAtomically, writeFileAtomic } from './atomic-dir.ts';
export { canonicalJson, digestFiles, hashValue } from './content-hash.ts';
export { type Csr, type Dataset, buildCsr, excludedOf, splitCounts } from './dataset.ts';
export { dataError, rowLocator } from './errors.ts';
export { parseFeatureSpec } from './import/item-files.ts';
export { IMPORT_FORMATS, type ImportFormat, importDataset } from './import/pipeline.ts';
export { ProgressBar } from './progress-bar.ts';
export { Rng, type RngState } from './rng.ts';
export { batches, sampleNegatives } from './samplers.ts';
export { type SettingRange, checkSetting, describeRange, settingValue } from './setting-range.ts';
export { type DatasetStats, datasetStats, formatStats } from './stats.ts';
export { withSyntheticFeatures } from './synth-features.ts';
export { SYNTH_DEFAULTS, generateSynthetic } from './synth.ts';
