// The graph library's public surface. Importing it registers every op's gradient rule.
import { setAccumulators } from './autodiff.ts';
import { sumAll } from './ops/elementwise.ts';
import { zerosLike } from './ops/util.ts';
import './ops/matmul.ts';
import './ops/reduce.ts';
import './ops/layout.ts';
import './ops/gather.ts';

setAccumulators(sumAll, zerosLike);

export * from './dtype.ts';
export * from './shape.ts';
export * from './graph.ts';
export { grad, sourcesReaching, registerGradient, MissingGradientError, type GradRule } from './autodiff.ts';
export * from './ops/elementwise.ts';
export * from './ops/matmul.ts';
export * from './ops/reduce.ts';
export * from './ops/layout.ts';
export * from './ops/gather.ts';
export * from './ops/composite.ts';
export { lift, zeros, zerosLike, shapeOf, sumToShape, constI64, type Operand } from './ops/util.ts';
export * from './serialize.ts';
export * from './index-plan.ts';
