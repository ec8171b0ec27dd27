// src/model/ — the exported model-directory format (everything `sgfd serve` reads).
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { type ServeWarn, embeddingProblem, loadAddedItems } from './added-items.ts';
export { type EmbeddingTable, MODEL_FILES, embeddingsBytes, readEmbeddings, readSeen, seenBytes, seenItems } from './embeddings-arrow.ts';
export { CARD_FORMAT, CARD_VERSION, DOT_BYTES_PER_PAIR, type DatasetProvenance, type ModelCard, type RunProvenance, type TensorSignature, bytesPerPair, onnxInfo, readModelCard, userDim } from './model-card.ts';
export { SCORER_IO, STUDENT_IO, topKOutputs } from './model-io.ts';
export { MODEL_MANIFEST, openOnnx, verifyModelDir, writeModelManifest } from './model-manifest.ts';
export { ScorerSession, type ScorerShape } from './scorer-session.ts';
export { type PairScoreFn, dotTopKGraph, pairTopKGraph, userIdTopKGraph } from './topk-graph.ts';
