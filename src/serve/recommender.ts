// Online top-K with micro-batching: requests that arrive while a scorer run is in flight wait and
// go together in the next run (one GEMM over the item matrix instead of one GEMV each; a pairwise
// scorer splits a batch by its memory budget), each row with its own k and masking. A session run blocks the event loop, so batches form naturally under
// load and a lone request runs at once.
import { type ModelStore } from './model-store.ts';

export interface Recommendation { id: string; score: number }

interface Pending {
  user: number;
  k: number;
  excludeSeen: boolean;
  resolve: (r: Recommendation[]) => void;
  reject: (e: unknown) => void;
}

/** Most requests one scorer run takes. */
export const MAX_BATCH = 64;

export class Recommender {
  private readonly queue: Pending[] = [];
  private running = false;
  /** Scorer runs made and requests answered (runs < requests when batching happened). */
  readonly stats = { runs: 0, requests: 0 };
  constructor(private readonly store: ModelStore) {}

  /** The top-`k` items for user row `user` (k ≤ the number of items: the caller checks). */
  recommend(user: number, k: number, excludeSeen: boolean): Promise<Recommendation[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ user, k, excludeSeen, resolve, reject });
      this.schedule();
    });
  }

  /** Requests waiting or running. */
  get pending(): number { return this.queue.length + (this.running ? 1 : 0); }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    // Let the I/O callbacks of this loop turn enqueue first: they join this batch.
    setImmediate(() => { void this.runBatch(); });
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const s = this.store;
      const dim = s.userDim;
      const users = new Float32Array(batch.length * dim);
      batch.forEach((p, r) => users.set(s.userEmbedding(p.user), r * dim));
      const nItems = s.itemCount;
      const k = Math.min(nItems, Math.max(...batch.map((p) => p.k)));
      const pairs: bigint[] = [];
      batch.forEach((p, r) => {
        if (!p.excludeSeen) return;
        for (let j = s.seen.indptr[p.user]; j < s.seen.indptr[p.user + 1]; j++) pairs.push(BigInt(r), BigInt(s.seen.indices[j]));
      });
      const top = await s.scorer.topK(users, batch.length, s.items, nItems, k, BigInt64Array.from(pairs));
      this.stats.runs++;
      this.stats.requests += batch.length;
      batch.forEach((p, r) => {
        const out: Recommendation[] = [];
        for (let j = r * k; j < r * k + Math.min(p.k, k); j++) if (top.items[j] >= 0) out.push({ id: s.itemId(top.items[j]), score: top.scores[j] });
        p.resolve(out);
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
