// Strict checks shared by the importers (before anything is written) and the reader (on load).
// Each failure is a one-line DataError naming the file, column, row and the expectation.
import { dataError, DataError, type Locator } from './errors.ts';
import { TRAIN, VALID, TEST, rowsByUser, type DatasetParts } from './dataset.ts';

/** Ids must lie in [0, n). */
export function checkIdRange(ids: Int32Array, n: number, loc: Locator, column: string, what: string): void {
  for (let r = 0; r < ids.length; r++) {
    const v = ids[r];
    if (v < 0 || v >= n) throw dataError(loc.cell(r, column), `a ${what} id in [0, ${n})`, v);
  }
}

/** Split codes must be 0 (train), 1 (valid) or 2 (test). */
export function checkSplitCodes(split: Int8Array, loc: Locator, column = 'split'): void {
  for (let r = 0; r < split.length; r++) {
    const v = split[r];
    if (v !== TRAIN && v !== VALID && v !== TEST) throw dataError(loc.cell(r, column), '0 (train), 1 (valid) or 2 (test)', v);
  }
}

/**
 * Rows that repeat an earlier (user, item) pair, as [first row, repeated row] pairs in row order
 * of the repeat. Ids must already be in range.
 */
export function findDuplicatePairs(nUsers: number, user: Int32Array, item: Int32Array): [number, number][] {
  const byUser = rowsByUser(nUsers, user);
  const dups: [number, number][] = [];
  for (let u = 0; u < nUsers; u++) {
    const rows = byUser.indices.subarray(byUser.indptr[u], byUser.indptr[u + 1]);
    if (rows.length < 2) continue;
    const sorted = Array.from(rows).sort((a, b) => item[a] - item[b] || a - b);
    for (let k = 1; k < sorted.length; k++) {
      if (item[sorted[k]] !== item[sorted[k - 1]]) continue;
      let first = k - 1;
      while (first > 0 && item[sorted[first - 1]] === item[sorted[k]]) first--;
      dups.push([sorted[first], sorted[k]]);
    }
  }
  return dups.sort((a, b) => a[1] - b[1]);
}

export function duplicateError(loc: Locator, pair: [number, number], user: number, item: number, count: number, hint = ''): DataError {
  return dataError(
    loc.cell(pair[1], 'user/item'),
    `unique (user, item) pairs (${count} duplicate row${count === 1 ? '' : 's'}${hint})`,
    `(user ${user}, item ${item}) again, first at ${loc.cell(pair[0], 'user/item')}`,
  );
}

/** Every value finite; `where(row, component)` names the offending cell. */
export function checkFinite(data: Float32Array | Float64Array, dim: number, where: (row: number, component: number) => string): void {
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (v - v !== 0) throw dataError(where(Math.floor(k / dim), k % dim), 'a finite number', String(v));
  }
}

/** Labels in [0, nLabels), or -1 for a missing label. */
export function checkLabelRange(labels: Int32Array, nLabels: number, loc: Locator, column = 'label'): void {
  for (let r = 0; r < labels.length; r++) {
    const v = labels[r];
    if (v < -1 || v >= nLabels) throw dataError(loc.cell(r, column), `a label in [0, ${nLabels}) or missing`, v);
  }
}

/** Users that have valid/test interactions but no training interaction (sorted). */
export function usersWithoutTrain(nUsers: number, user: Int32Array, split: Int8Array): Int32Array {
  const hasTrain = new Uint8Array(nUsers);
  const heldOut = new Uint8Array(nUsers);
  for (let r = 0; r < user.length; r++) (split[r] === TRAIN ? hasTrain : heldOut)[user[r]] = 1;
  const out: number[] = [];
  for (let u = 0; u < nUsers; u++) if (heldOut[u] && !hasTrain[u]) out.push(u);
  return Int32Array.from(out);
}

export function coldUsersError(file: string, cold: Int32Array, hint: string): DataError {
  return dataError(
    `${file}: column split`,
    `every user with valid/test interactions to have a training interaction${hint}`,
    `${cold.length} user${cold.length === 1 ? '' : 's'} without (first: user ${cold[0]})`,
  );
}

/** Names of the files a DatasetParts is checked against (the reader's or the importer's sources). */
export interface PartsLocators {
  interactions: Locator;
  items: Locator;
  /** Hints appended to the duplicate / cold-user messages (e.g. the flag that relaxes them). */
  duplicateHint?: string;
  coldUserHint?: string;
  allowColdUsers?: boolean;
}

/** All structural checks of a dataset. Features are checked for finiteness by their sources. */
export function validateParts(p: DatasetParts, loc: PartsLocators): void {
  const { user, item, split, timestamp } = p.interactions;
  const n = user.length;
  if (n === 0) throw dataError(`${loc.interactions.file}: rows`, 'at least one interaction', 0);
  for (const [name, col] of [['item', item], ['split', split], ['timestamp', timestamp]] as const) {
    if (col && col.length !== n) throw dataError(`${loc.interactions.file}: column ${name}`, `${n} rows like column user`, col.length);
  }
  checkIdRange(user, p.nUsers, loc.interactions, 'user', 'user');
  checkIdRange(item, p.nItems, loc.interactions, 'item', 'item');
  checkSplitCodes(split, loc.interactions);
  const dups = findDuplicatePairs(p.nUsers, user, item);
  if (dups.length) {
    const [, r] = dups[0];
    throw duplicateError(loc.interactions, dups[0], user[r], item[r], dups.length, loc.duplicateHint);
  }
  if (!loc.allowColdUsers) {
    const cold = usersWithoutTrain(p.nUsers, user, split);
    if (cold.length) throw coldUsersError(loc.interactions.file, cold, loc.coldUserHint ?? '');
  }
  if (p.labels) {
    if (p.labels.length !== p.nItems) throw dataError(`${loc.items.file}: column label`, `${p.nItems} rows (one per item)`, p.labels.length);
    checkLabelRange(p.labels, p.nLabels, loc.items);
    if (p.labelNames && p.labelNames.length !== p.nLabels) {
      throw dataError(`${loc.items.file}: label names`, `${p.nLabels} names`, p.labelNames.length);
    }
  }
  for (const m of p.modalities) {
    if (!(Number.isInteger(m.dim) && m.dim > 0)) throw dataError(`${loc.items.file}: column ${m.name}`, 'at least one value per item', `${m.dim} values`);
    if (m.data.length !== p.nItems * m.dim) {
      throw dataError(`${loc.items.file}: column ${m.name}`, `${p.nItems} rows (one per item) of ${m.dim} values`, `${m.data.length / m.dim} rows`);
    }
  }
}
