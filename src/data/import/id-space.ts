// Numeric ids from a source file become the dataset's dense ids, but only after they are checked: an
// id far beyond the number of distinct ids (a typo like 2000000000, or ids with large gaps) would
// create that many empty users or items and allocate memory for each. Such a column is an error
// naming the file, row, id and the bound, unless --reindex maps the ids that occur densely (in
// ascending order; the original ids go into the id maps, as for the csv format). Nothing is
// allocated from an id before this check.
import { dataError, type Locator } from '../errors.ts';

/** Ids a column may span: twice its distinct ids plus this slack (so small gaps are fine). */
export const ID_SLACK = 1000;

/** Largest id count (max id + 1) a column with `distinct` distinct ids may have without --reindex. */
export function idRangeBound(distinct: number): number {
  return 2 * distinct + ID_SLACK;
}

export interface IdSpace {
  /** Number of dense ids. */
  n: number;
  /** Dense id per source row. */
  ids: Int32Array;
  /** With --reindex: the source id of each dense id (ascending); null when dense id = source id. */
  source: Int32Array | null;
}

/** The distinct values of `ids`, ascending. */
function distinctSorted(ids: Int32Array): Int32Array {
  const sorted = Int32Array.from(ids).sort();
  let w = 0;
  for (let r = 0; r < sorted.length; r++) if (r === 0 || sorted[r] !== sorted[r - 1]) sorted[w++] = sorted[r];
  return sorted.slice(0, w);
}

/** Position of `value` in the ascending `sorted`, or -1. */
export function indexOfSorted(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/**
 * Dense ids for a column of non-negative integer ids (`column` in the file `loc` names; `what` is
 * "user" or "item"): unchanged when max id + 1 ≤ idRangeBound(distinct ids), remapped densely with
 * `reindex`, else an error at the row holding the largest id.
 */
export function idSpace(ids: Int32Array, loc: Locator, column: string, what: string, reindex: boolean): IdSpace {
  const distinct = distinctSorted(ids);
  if (reindex) {
    const dense = new Int32Array(ids.length);
    for (let r = 0; r < ids.length; r++) dense[r] = indexOfSorted(distinct, ids[r]);
    return { n: distinct.length, ids: dense, source: distinct };
  }
  const n = distinct.length ? distinct[distinct.length - 1] + 1 : 0;
  const bound = idRangeBound(distinct.length);
  if (n > bound) {
    const row = ids.indexOf(n - 1);
    throw dataError(
      loc.cell(row, column),
      `${what} ids below ${bound} (2 × ${distinct.length} distinct ${what} ids + ${ID_SLACK}: a larger id would create ${n - distinct.length} empty ${what}s; `
        + 'pass --reindex to map the ids that occur densely)',
      n - 1,
    );
  }
  return { n, ids, source: null };
}

/** The original ids of a reindexed column as id-map strings. */
export function sourceNames(source: Int32Array): string[] {
  return Array.from(source, String);
}
