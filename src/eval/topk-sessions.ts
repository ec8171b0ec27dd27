// The top-K scoring session kept across evaluations that rank on ONNX Runtime (pairwise backbones,
// GRCN's reference evaluator, or any scorer where the native kernel is not built: ranking.ts). A
// trainer validates every few epochs with the same graph: a dot-product scorer reads its tables as
// inputs, and a pairwise one its serving rows and its pair network's weights (run/scoring.ts), so the
// graph's bytes do not change from one validation to the next. Opening its ORT session took 20–66 ms
// each time, and the fresh session's first runs another 30–45 ms (Last.fm 2K: 1,858 users × 1,425
// items, against 14 ms for a warm run). A scorer that bakes values into its graph gets a new session
// whenever the bytes differ. The same graph gives the same results either way.
import { Buffer } from 'node:buffer';
import { RANKING_SESSION, createSession, type ort } from '../runtime/index.ts';

export class TopKSessions {
  private held: { bytes: Buffer; threads: number | undefined; session: ort.InferenceSession } | null = null;
  /** Sessions opened so far (for tests: a reuse opens none). */
  opened = 0;

  /**
   * A session of `bytes` at `threads`: the one held when it is the same graph, else a new one (the
   * old released). `bytes` is kept as given (G.serialize makes new bytes each call; do not change them).
   */
  async get(bytes: Uint8Array, threads: number | undefined): Promise<ort.InferenceSession> {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.held && this.held.threads === threads && this.held.bytes.equals(b)) return this.held.session;
    await this.release();
    const session = await createSession(bytes, { ...(threads === undefined ? {} : { threads }), ...RANKING_SESSION });
    this.opened++;
    this.held = { bytes: b, threads, session };
    return session;
  }

  async release(): Promise<void> {
    const held = this.held;
    this.held = null;
    await held?.session.release();
  }
}
