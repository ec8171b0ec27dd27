// The graph library's public surface (every op's gradient rule is in gradients.ts, read by autodiff).
export * from './dtype.ts';
export * from './shape.ts';
export * from './graph.ts';
export { grad, sourcesReaching, MissingGradientError } from './autodiff.ts';
export { type GradRule } from './grad-rule.ts';
export * from './ops/elementwise.ts';
export * from './ops/matmul.ts';
export * from './ops/reduce.ts';
export * from './ops/layout.ts';
export * from './ops/gather.ts';
export * from './ops/composite.ts';
export { listsOfPairs, sumOfRows, type RowLists } from './ops/row-lists.ts';
export { edgeLists, edgeCsr, transposedEdges, weightedSumOfRows, rowDotsOfEdges, EDGE_PIECE_BYTES, type EdgeLists } from './ops/edge-lists.ts';
export { lift, zeros, zerosLike, shapeOf, sumToShape, constI64, type Operand } from './ops/util.ts';
export * from './serialize.ts';
export * from './index-plan.ts';
export { ModelProto } from './onnx-schema.ts';
export { stagePlan, hasNativeNodes, type StagePlan, type StageStep } from './stages.ts';
