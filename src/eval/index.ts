// Evaluation: full-ranking top-K on ORT, ranking metrics (standard + reference variants), significance.
export * from './ranking.ts';
export * from './metrics.ts';
export * from './evaluate.ts';
export * from './significance.ts';
export * from './seed-comparison.ts';
export { TopKSessions } from './topk-sessions.ts';
export { type NativeDotSource, type TopKChunk, NATIVE_CHUNK, assertFiniteRows, nativeChunkUsers, nativeDotChunks, userRows } from './native-top-k.ts';
export { type AttentiveWeights, type PairKernelSource, type PairKernelWeights, type TowerWeights, pairKernelTopK } from './pair-kernel-top-k.ts';
