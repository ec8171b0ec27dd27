// A session over an exported scorer.onnx (item matrix, k and excluded pairs as inputs): what the
// export check and the HTTP server run. Pairwise scorers (MAML's attention) hold intermediates per
// (user, item) pair, so users go in runs sized to a memory budget by the card's bytes per pair.
import { RANKING_SESSION, createSession, tensor, type ort } from '../runtime/index.ts';
import { SCORER_IO, topKOutputs } from './model-io.ts';

export interface TopKRows {
  /** Row-major [rows × k] item indices into the item matrix (−1: nothing left to rank) and scores. */
  items: Int32Array;
  scores: Float32Array;
}

/** Budget for one run's per-pair intermediates, bytes (as MAML's evalChunk: as fast as 256 MB, less memory). */
export const RUN_BUDGET_BYTES = 64 * 2 ** 20;

export interface ScorerShape {
  /** Widths of a user row and of an item row. */
  userDim: number;
  itemDim: number;
  /** Peak bytes of the scorer's intermediates per (user, item) pair (model.json scorer.bytes_per_pair). */
  bytesPerPair: number;
}

export class ScorerSession {
  private constructor(private readonly session: ort.InferenceSession, readonly shape: ScorerShape) {}

  static async create(model: Uint8Array, shape: ScorerShape, threads?: number): Promise<ScorerSession> {
    return new ScorerSession(await createSession(model, { ...(threads === undefined ? {} : { threads }), ...RANKING_SESSION }), shape);
  }

  /** Users per run over `nItems` items within RUN_BUDGET_BYTES (at least 1). */
  rowsPerRun(nItems: number): number {
    return Math.max(1, Math.floor(RUN_BUDGET_BYTES / (Math.max(1, nItems) * this.shape.bytesPerPair)));
  }

  /**
   * Top-k of `rows` user rows (row-major [rows × userDim]) over the first `nItems` rows of `items`
   * ([· × itemDim]), skipping `pairs` (flat (row, item) int64 pairs).
   */
  async topK(users: Float32Array, rows: number, items: Float32Array, nItems: number, k: number, pairs: BigInt64Array = new BigInt64Array(0)): Promise<TopKRows> {
    const { userDim, itemDim } = this.shape;
    if (users.length !== rows * userDim) throw new RangeError(`scorer: ${users.length} user values for ${rows} rows of width ${userDim}`);
    const itemFeed = tensor(items.subarray(0, nItems * itemDim), [nItems, itemDim]);
    const step = this.rowsPerRun(nItems);
    const out: TopKRows = { items: new Int32Array(rows * k), scores: new Float32Array(rows * k) };
    for (let from = 0; from < rows; from += step) {
      const to = Math.min(rows, from + step);
      const run = await this.session.run({
        [SCORER_IO.userEmbedding]: tensor(users.subarray(from * userDim, to * userDim), [to - from, userDim]),
        [SCORER_IO.itemEmbeddings]: itemFeed,
        [SCORER_IO.k]: tensor(BigInt64Array.of(BigInt(k)), [1]),
        [SCORER_IO.excluded]: pairsOfRows(pairs, from, to),
      });
      const top = topKOutputs(run);
      out.items.set(top.items, from * k);
      out.scores.set(top.scores, from * k);
    }
    return out;
  }

  async release(): Promise<void> { await this.session.release(); }
}

/** The (row, item) pairs whose row is in [from, to), rows renumbered from 0, as the `excluded` tensor. */
function pairsOfRows(pairs: BigInt64Array, from: number, to: number): ort.Tensor {
  const kept: bigint[] = [];
  for (let j = 0; j < pairs.length; j += 2) {
    const row = Number(pairs[j]);
    if (row >= from && row < to) kept.push(BigInt(row - from), pairs[j + 1]);
  }
  const data = kept.length === pairs.length && from === 0 ? pairs : BigInt64Array.from(kept);
  return tensor(data, [data.length / 2, 2]);
}
