// Row and id filters applied by importers: duplicate pairs, iterative k-core, users whose
// held-out interactions have no training counterpart, and re-indexing after a filter.
import { selectRows, TRAIN, type DatasetParts, type Interactions } from './dataset.ts';
import { type Locator, type Warn } from './errors.ts';
import { duplicateError, findDuplicatePairs, usersWithoutTrain } from './validate.ts';

export type DuplicatePolicy = 'fail' | 'drop';

/** Fails on repeated (user, item) pairs, or drops the repeats (keeping the first) with a warning. */
export function handleDuplicates(inter: Interactions, nUsers: number, policy: DuplicatePolicy, loc: Locator, warn: Warn): Interactions {
  const dups = findDuplicatePairs(nUsers, inter.user, inter.item);
  if (dups.length === 0) return inter;
  const r = dups[0][1];
  if (policy === 'fail') throw duplicateError(loc, dups[0], inter.user[r], inter.item[r], dups.length, '; pass --duplicates drop to keep the first of each');
  const keep = new Uint8Array(inter.user.length).fill(1);
  for (const [, dup] of dups) keep[dup] = 0;
  warn(`dropped ${dups.length} duplicate (user, item) row${dups.length === 1 ? '' : 's'} (first: ${loc.cell(r, 'user/item')})`);
  return selectRows(inter, keep);
}

/**
 * Iterative k-core: repeatedly removes users and items with fewer than k interactions (all
 * splits counted) until none is left below k. Returns the surviving rows (ids not yet re-indexed).
 */
export function kcoreRows(inter: Interactions, nUsers: number, nItems: number, k: number): Uint8Array {
  const n = inter.user.length;
  const keep = new Uint8Array(n).fill(1);
  for (let changed = true; changed;) {
    changed = false;
    const du = new Int32Array(nUsers);
    const di = new Int32Array(nItems);
    for (let r = 0; r < n; r++) if (keep[r]) { du[inter.user[r]]++; di[inter.item[r]]++; }
    for (let r = 0; r < n; r++) {
      if (keep[r] && (du[inter.user[r]] < k || di[inter.item[r]] < k)) { keep[r] = 0; changed = true; }
    }
  }
  return keep;
}

/** Rows of users that have held-out rows but no train row (to drop with --cold-users filter). */
export function coldUserRows(inter: Interactions, nUsers: number): { keep: Uint8Array; users: number } {
  const cold = usersWithoutTrain(nUsers, inter.user, inter.split);
  const isCold = new Uint8Array(nUsers);
  for (const u of cold) isCold[u] = 1;
  const keep = new Uint8Array(inter.user.length);
  for (let r = 0; r < keep.length; r++) keep[r] = isCold[inter.user[r]] && inter.split[r] !== TRAIN ? 0 : 1;
  return { keep, users: cold.length };
}

/** old id → new dense id (-1 when dropped), keeping the order of the old ids. */
function denseRemap(ids: Int32Array, n: number): { map: Int32Array; kept: Int32Array } {
  const seen = new Uint8Array(n);
  for (const v of ids) seen[v] = 1;
  const map = new Int32Array(n).fill(-1);
  const kept: number[] = [];
  for (let v = 0; v < n; v++) if (seen[v]) { map[v] = kept.length; kept.push(v); }
  return { map, kept: Int32Array.from(kept) };
}

/**
 * Keeps the rows in `keep`, then renumbers users and items densely (dropping those left without
 * rows) and gathers features, labels and id maps to match. `keptUsers`/`keptItems` give old ids.
 */
export function compactParts(p: DatasetParts, keep: Uint8Array): { parts: DatasetParts; keptUsers: Int32Array; keptItems: Int32Array } {
  const inter = selectRows(p.interactions, keep);
  const users = denseRemap(inter.user, p.nUsers);
  const items = denseRemap(inter.item, p.nItems);
  for (let r = 0; r < inter.user.length; r++) {
    inter.user[r] = users.map[inter.user[r]];
    inter.item[r] = items.map[inter.item[r]];
  }
  const nItems = items.kept.length;
  const modalities = p.modalities.map((m) => {
    const data = new Float32Array(nItems * m.dim);
    items.kept.forEach((old, i) => data.set(m.data.subarray(old * m.dim, (old + 1) * m.dim), i * m.dim));
    return { ...m, data };
  });
  const labels = p.labels ? Int32Array.from(items.kept, (old) => p.labels![old]) : null;
  return {
    parts: { ...p, nUsers: users.kept.length, nItems, interactions: inter, modalities, labels },
    keptUsers: users.kept,
    keptItems: items.kept,
  };
}
