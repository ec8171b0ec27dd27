// A session over an exported scorer.onnx (item matrix, k and excluded pairs as inputs): what the
// export check and the HTTP server run.
import { createSession, tensor, type ort } from '../runtime/session.ts';
import { SCORER_IO } from './topk-graph.ts';
import { topKOutputs } from './batch-score.ts';

export interface TopKRows {
  /** Row-major [rows × k] item indices into the item matrix (−1: nothing left to rank) and scores. */
  items: Int32Array;
  scores: Float32Array;
}

export class ScorerSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: Uint8Array, threads?: number): Promise<ScorerSession> {
    return new ScorerSession(await createSession(model, threads === undefined ? {} : { threads }));
  }

  /**
   * Top-k of `rows` user embeddings (row-major [rows × dim]) over the first `nItems` rows of
   * `items`, skipping `pairs` (flat (row, item) int64 pairs).
   */
  async topK(users: Float32Array, rows: number, items: Float32Array, nItems: number, k: number, pairs: BigInt64Array = new BigInt64Array(0)): Promise<TopKRows> {
    const dim = users.length / rows;
    const out = await this.session.run({
      [SCORER_IO.userEmbedding]: tensor(users, [rows, dim]),
      [SCORER_IO.itemEmbeddings]: tensor(items.subarray(0, nItems * dim), [nItems, dim]),
      [SCORER_IO.k]: tensor(BigInt64Array.of(BigInt(k)), [1]),
      [SCORER_IO.excluded]: tensor(pairs, [pairs.length / 2, 2]),
    });
    return topKOutputs(out);
  }

  async release(): Promise<void> { await this.session.release(); }
}
