// `sgfd data import`: read a source format, then the shared steps — duplicates, k-core, splits,
// validation split, users without training data, normalisation — and an atomic write.
import { basename, resolve } from 'node:path';
import { writeDataset, type IdMaps } from '../arrow-io.ts';
import { checkOutputDir } from '../atomic-dir.ts';
import { selectRows, type DatasetParts, type Interactions } from '../dataset.ts';
import { DataError, dataError, type Warn } from '../errors.ts';
import { coldUserRows, compactParts, handleDuplicates, kcoreRows, type DuplicatePolicy } from '../filters.ts';
import { normalizeFeatures, parseNormalize } from '../normalize.ts';
import { Rng } from '../rng.ts';
import { assignSplits, carveValidFromTrain, parseSplitRatios } from '../splits.ts';
import { coldUsersError, usersWithoutTrain } from '../validate.ts';
import { readGenericCsv, readMmrec, readSgfdCsv } from './formats.ts';
import type { FeatureSpec } from './item-files.ts';
import type { RawImport, ReaderOptions } from './raw-import.ts';

export const IMPORT_FORMATS = ['mmrec', 'sgfd-csv', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  format: ImportFormat;
  /** mmrec: the .inter file. */
  inter?: string;
  /** sgfd-csv: the release directory. */
  dir?: string;
  /** csv: the user,item[,split] file. */
  input?: string;
  features?: FeatureSpec[];
  labels?: string;
  labelColumn?: string;
  allowMissingLabels?: boolean;
  /** "l2" | "standard" | "none", or "name=mode" per modality. */
  normalize?: string[];
  validFromTrain?: number;
  kcore?: number;
  /** "train,valid,test" ratios for data without a split (default 0.8,0.1,0.1). */
  split?: string;
  seed?: number;
  duplicates?: DuplicatePolicy;
  /** Users with valid/test interactions but no training one: fail (default) or drop those rows. */
  coldUsers?: 'fail' | 'filter';
  /** Dataset name for the metadata (default: the output directory's name). */
  name?: string;
  /** mmrec / sgfd-csv: map the numeric ids that occur densely (id maps keep the originals) instead of refusing sparse ids. */
  reindex?: boolean;
  warn?: Warn;
}

export const DEFAULT_SEED = 42;

/** Reads and transforms a source into dataset parts (nothing is written). */
export function importParts(o: ImportOptions, outName = 'dataset'): { parts: DatasetParts; idMaps: IdMaps } {
  const warn = o.warn ?? (() => {});
  const ro: ReaderOptions = { labels: o.labels, labelOptions: { column: o.labelColumn, allowMissing: o.allowMissingLabels }, reindex: o.reindex, warn };
  const raw = readSource(o, ro);
  if (raw.user.length === 0) throw dataError(raw.loc.file, 'at least one interaction', 'none');
  const rng = new Rng(o.seed ?? DEFAULT_SEED);
  if (raw.split && o.split) throw new DataError(`--split: the data already has a split (${raw.splitColumn}); --split is for data without one`);

  let inter: Interactions = { user: raw.user, item: raw.item, split: raw.split ?? new Int8Array(raw.user.length), timestamp: raw.timestamp };
  inter = handleDuplicates(inter, raw.nUsers, o.duplicates ?? 'fail', raw.loc, warn);
  let parts: DatasetParts = {
    nUsers: raw.nUsers, nItems: raw.nItems, interactions: inter, modalities: raw.modalities,
    labels: raw.labels?.labels ?? null, nLabels: raw.labels?.nLabels ?? 0, labelNames: raw.labels?.labelNames ?? null,
    meta: { name: o.name ?? outName, source: raw.source, created: new Date().toISOString(), synthetic: false, notes: {} },
  };
  let idMaps = raw.idMaps;
  if (o.kcore !== undefined) ({ parts, idMaps } = applyKcore(parts, idMaps, o.kcore, warn));
  const { user } = parts.interactions;
  if (!raw.split) parts.interactions.split = assignSplits(parts.nUsers, user, parseSplitRatios(o.split ?? '0.8,0.1,0.1'), rng.fork());
  if (o.validFromTrain) parts.interactions.split = carveValidFromTrain(parts.nUsers, user, parts.interactions.split, o.validFromTrain, rng.fork());

  const cold = usersWithoutTrain(parts.nUsers, user, parts.interactions.split);
  if (cold.length > 0) {
    if ((o.coldUsers ?? 'fail') === 'fail') {
      throw coldUsersError(raw.loc.file, cold, ' (pass --cold-users filter to drop their valid/test interactions)');
    }
    warn(`dropped the valid/test interactions of ${cold.length} user${cold.length === 1 ? '' : 's'} without training interactions`);
    parts.interactions = selectRows(parts.interactions, coldUserRows(parts.interactions, parts.nUsers).keep);
  }
  const modes = parseNormalize(o.normalize ?? [], parts.modalities.map((m) => m.name));
  for (const m of parts.modalities) normalizeFeatures(m, modes.get(m.name)!);
  parts.meta.notes.import = JSON.stringify({
    format: o.format, normalize: Object.fromEntries(modes), kcore: o.kcore ?? null, split: raw.split ? `source ${raw.splitColumn}` : o.split ?? '0.8,0.1,0.1',
    validFromTrain: o.validFromTrain ?? 0, seed: o.seed ?? DEFAULT_SEED, duplicates: o.duplicates ?? 'fail', coldUsers: o.coldUsers ?? 'fail',
    labelColumn: o.labels ? o.labelColumn ?? 'label' : null, ...(o.reindex ? { reindex: true } : {}),
  });
  return { parts, idMaps };
}

/** Imports into `out` (written atomically; nothing is left behind on error). */
export async function importDataset(o: ImportOptions, out: string, opts: { force?: boolean } = {}): Promise<DatasetParts> {
  checkOutputDir(out, !!opts.force); // before reading anything (checked again when writing)
  const { parts, idMaps } = importParts(o, basename(resolve(out)));
  await writeDataset(out, parts, { idMaps, force: opts.force });
  return parts;
}

function readSource(o: ImportOptions, ro: ReaderOptions): RawImport {
  const need = (v: string | undefined, flag: string) => {
    if (!v) throw new DataError(`--format ${o.format}: expected ${flag}`);
    return v;
  };
  switch (o.format) {
    case 'mmrec': return readMmrec(need(o.inter, '--inter FILE.inter'), o.features ?? [], ro);
    case 'sgfd-csv': return readSgfdCsv(need(o.dir, '--dir DIR'), o.features ?? [], ro);
    case 'csv': return readGenericCsv(need(o.input, '--input FILE.csv'), o.features ?? [], ro);
    default: throw new DataError(`--format: expected one of ${IMPORT_FORMATS.join(', ')}, got ${String(o.format)}`);
  }
}

function applyKcore(parts: DatasetParts, idMaps: IdMaps, k: number, warn: Warn): { parts: DatasetParts; idMaps: IdMaps } {
  if (!(Number.isInteger(k) && k >= 1)) throw new DataError(`--kcore: expected an integer ≥ 1, got ${k}`);
  const keep = kcoreRows(parts.interactions, parts.nUsers, parts.nItems, k);
  const c = compactParts(parts, keep);
  if (c.parts.interactions.user.length === 0) throw new DataError(`--kcore ${k}: no interactions survive; expected a smaller k`);
  warn(`--kcore ${k}: kept ${c.parts.nUsers}/${parts.nUsers} users, ${c.parts.nItems}/${parts.nItems} items, ${c.parts.interactions.user.length}/${parts.interactions.user.length} interactions`);
  const pick = (ids: string[] | undefined, kept: Int32Array) => (ids ? Array.from(kept, (old) => ids[old]) : undefined);
  return { parts: c.parts, idMaps: { user: pick(idMaps.user, c.keptUsers), item: pick(idMaps.item, c.keptItems) } };
}
