// GRCN, DGCF and NGCF compiled `native`: their edge-valued sums and dot products (G.weightedSumOfRows,
// G.rowDotsOfEdges) run on the native kernels between ORT sessions (graph/stages.ts), Adam on its
// kernel. The same loss terms step after step and the same parameters and Adam state after several
// steps as the fused step, to float rounding — GRCN vanilla and with SGFD (reference profile), DGCF, NGCF.
import test from 'node:test';
import assert from 'node:assert/strict';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { nativeWork } from '../../src/runtime/propagation-offload.ts';
import { skip, run, assertSame } from './native-steps.ts';

const cases = [
  ['grcn', { embedding_dim: 16, batch_size: 256 }, null],
  ['grcn', { embedding_dim: 16, batch_size: 256 }, sgfdConfig('reference', { latentDim: 16 })],
  ['dgcf', { embedding_dim: 16, batch_size: 256 }, null],
  ['ngcf', { embedding_dim: 16, batch_size: 256 }, null], // its propagation layers on the row-sum kernel
] as const;

for (const [name, cfg, sg] of cases) {
  test(`${name}${sg ? ' + SGFD (reference)' : ''} with native edge kernels: the fused step's losses, parameters and Adam state`, { skip }, async () => {
    const fused = await run(name, cfg, sg, false, {});
    const staged = await run(name, cfg, sg, true, {});
    assert.ok(fused.compiled.bytes && !fused.compiled.stages, 'the fused step is one graph');
    assert.ok(staged.compiled.stages && !staged.compiled.bytes, 'the native step runs in stages');
    assert.ok(staged.compiled.stages.steps.some((s) => s.kind === 'native'));
    assert.equal(nativeWork(staged.compiled), 'edges + Adam');
    assertSame(fused, staged, [], true);
  });
}
