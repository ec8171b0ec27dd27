// Loading the native module (src/runtime/native.ts): the module built from these sources exports
// exactly the functions the code calls (KERNEL_FUNCTIONS), and a module built from older sources —
// one lacking any of them — is not used, with a reason that names what it lacks and how to rebuild.
import test from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_FUNCTIONS, kernelsOf, nativeKernels } from '../../src/runtime/native.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

test('the built module exports exactly the functions the code calls', { skip }, () => {
  assert.deepEqual(Object.keys(kernels!).sort(), [...KERNEL_FUNCTIONS].sort());
});

test('a module from older sources (lacking functions) is not used, and the reason says what it lacks', () => {
  const all = Object.fromEntries(KERNEL_FUNCTIONS.map((f) => [f, () => undefined]));
  assert.equal(kernelsOf(all).why, 'loaded');
  const { towerScores: _t, rankRows: _r, ...old } = all;
  const r = kernelsOf(old);
  assert.equal(r.kernels, null);
  assert.equal(r.why, 'native/build/Release/sgfd_native.node is older than this code (it lacks towerScores, rankRows: npm run build:native)');
});
