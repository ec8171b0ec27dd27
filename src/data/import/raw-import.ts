// What every format reader returns before the shared import steps (dedupe, k-core, splits,
// normalisation, validation, atomic write) run in pipeline.ts.
import type { IdMaps } from '../arrow-io.ts';
import type { Modality } from '../dataset.ts';
import type { Locator, Warn } from '../errors.ts';
import { readLabelFile, type ItemLabels, type ItemRows, type LabelFileOptions } from './item-files.ts';

export interface RawImport {
  nUsers: number;
  nItems: number;
  user: Int32Array;
  item: Int32Array;
  /** Split codes from the source, or null when it has none (then --split assigns one). */
  split: Int8Array | null;
  /** Name of the source column the split came from (for messages). */
  splitColumn: string | null;
  timestamp: Float64Array | null;
  /** Names source rows (file and line) for error messages. */
  loc: Locator;
  modalities: Modality[];
  labels: ItemLabels | null;
  idMaps: IdMaps;
  /** One-line description of the inputs (basenames, not machine paths). */
  source: string;
}

/** Options a format reader may use; the pipeline passes all of them. */
export interface ReaderOptions {
  labels?: string;
  labelOptions?: LabelFileOptions;
  /** Map numeric source ids densely (id-space.ts) instead of refusing sparse ones. */
  reindex?: boolean;
  warn: Warn;
}

/** Reads --labels when given. */
export function optionalLabels(path: string | undefined, items: ItemRows, o: ReaderOptions): ItemLabels | null {
  return path ? readLabelFile(path, items, o.labelOptions, o.warn) : null;
}
