// Execution-provider choice: cuda without the provider fails with a message saying how to install it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkDevice, createSession, DeviceError } from '../../src/runtime/session.ts';
import * as G from '../../src/graph/index.ts';

test('cuda requested without the CUDA EP gives an actionable DeviceError', () => {
  assert.throws(() => checkDevice('cuda', [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }]),
    (e: Error) => e instanceof DeviceError && /onnxruntime-node-install=cuda12/.test(e.message) && /--device cpu/.test(e.message));
  assert.throws(() => checkDevice('tpu' as never), /unknown device 'tpu'/);
  assert.doesNotThrow(() => checkDevice('cpu'));
  assert.doesNotThrow(() => checkDevice('cuda', [{ name: 'cuda', bundled: true }]));
});

test('creating a cuda session on this machine fails clearly (no GPU provider installed)', async (t) => {
  const g = new G.Graph();
  g.output(G.relu(g.input('x', 'float32', [2])), 'y');
  try {
    await createSession(G.serialize(g), { device: 'cuda' });
    t.skip('a CUDA provider is installed here');
  } catch (e) {
    assert.ok(e instanceof DeviceError, `expected DeviceError, got ${(e as Error).message}`);
    assert.match((e as Error).message, /cuda12/);
  }
});
