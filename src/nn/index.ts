// The nn library's public surface.
export * from './init.ts';
export * from './module.ts';
export * from './layers.ts';
export * from './losses.ts';
export * from './optim.ts';
export * from './grad-norms.ts';
export * from './train-step-graph.ts';
export * from './forward-graph.ts';
export * from './step-plan.ts';
