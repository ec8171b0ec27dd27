// Which users a batch job scores (--users, --shard) and which pairs it masks (--exclude-seen).
import { readFileSync } from 'node:fs';
import { type Csr, type Dataset } from '../data/index.ts';

export const EXCLUDE_CHOICES = ['train', 'train+valid', 'none'] as const;
export type ExcludeSeen = (typeof EXCLUDE_CHOICES)[number];
/**
 * The default: every interaction the run trained on (train) or selected its epoch and settings on
 * (valid) — what test evaluation excludes, so the scores reproduce the run's test metrics.
 */
export const DEFAULT_EXCLUDE: ExcludeSeen = 'train+valid';

/** What an --exclude-seen choice removes, in words (written beside it in the output's metadata). */
export const EXCLUDE_DOCS: Record<ExcludeSeen, string> = {
  'train+valid': "each user's train and valid interactions (everything the run trained or selected on; what test evaluation excludes) are never recommended",
  train: "each user's train interactions are never recommended (valid items may be; test evaluation excludes them)",
  none: 'nothing is excluded: items a user interacted with may be recommended back',
};

/** The CSRs whose (user, item) pairs a job must not recommend. */
export function excludedSplits(ds: Dataset, exclude: ExcludeSeen): Csr[] {
  switch (exclude) {
    case 'train': return [ds.csr.train];
    case 'train+valid': return [ds.csr.train, ds.csr.valid];
    case 'none': return [];
    default: throw new Error(`--exclude-seen: expected one of ${EXCLUDE_CHOICES.join(', ')}, got '${exclude}'`);
  }
}

/**
 * `all` → every user in dense-id order; otherwise comma-separated ids, or `@path` (one id per line),
 * kept in the order given. Ids are the dataset's original ids when it has a user id map, else dense ids.
 */
export function selectUsers(spec: string, nUsers: number, idMap: readonly string[] | null): Int32Array {
  if (spec === 'all') return Int32Array.from({ length: nUsers }, (_, u) => u);
  const fromFile = spec.startsWith('@');
  const raw = fromFile ? readFileSync(spec.slice(1), 'utf8').split(/\r?\n/) : spec.split(',');
  const where = fromFile ? `--users ${spec}` : '--users';
  const names = raw.map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new Error(`${where}: no user ids given (use 'all', a comma-separated list or @file)`);
  const byName = idMap ? new Map(idMap.map((id, u) => [id, u])) : null;
  const seen = new Set<number>();
  return Int32Array.from(names, (name, line) => {
    const at = fromFile ? `line ${line + 1}` : `entry ${line + 1}`;
    const u = byName ? byName.get(name) : /^\d+$/.test(name) ? Number(name) : undefined;
    if (u === undefined || u >= nUsers) {
      throw new Error(`${where}, ${at}: unknown user '${name}' (expected ${byName ? 'an id from the dataset\'s user_ids.arrow' : `a dense id in [0, ${nUsers})`})`);
    }
    if (seen.has(u)) throw new Error(`${where}, ${at}: user '${name}' is listed twice`);
    seen.add(u);
    return u;
  });
}

export interface Shard { index: number; count: number }

/** `i/n` with 0 ≤ i < n (0-based, like Kubernetes' JOB_COMPLETION_INDEX). */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new Error(`--shard: expected i/n with 0 ≤ i < n (e.g. 0/4), got '${spec}'`);
  return { index, count };
}

/**
 * Shard i of n: the contiguous slice [⌊i·N/n⌋, ⌊(i+1)·N/n⌋) of the selection, so shards 0 … n−1
 * concatenated in order are exactly the unsharded selection.
 */
export function shardOf(users: Int32Array, s: Shard): Int32Array {
  const n = users.length;
  return users.subarray(Math.floor((s.index * n) / s.count), Math.floor(((s.index + 1) * n) / s.count));
}
