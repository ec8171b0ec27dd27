// Shared by the native kernels' tests: run one check per instruction set's kernel, and check a
// kernel's output against a float64 reference on 1–3 threads, with the same bits on each.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';

/** One test per kernel: the widest this CPU has, then AVX2 and SSE2 (forced by SGFD_NATIVE_ISA). */
export function testEachIsa(name: (isa: string) => string, skip: string | false, check: () => void): void {
  for (const isa of ['widest', 'avx2', 'sse2'] as const) {
    test(name(isa), { skip }, (t: TestContext) => {
      if (isa !== 'widest') process.env.SGFD_NATIVE_ISA = isa;
      t.after(() => { delete process.env.SGFD_NATIVE_ISA; });
      check();
    });
  }
}

/** run(threads) on 1, 2 and 3 threads: within tolerance(want) of each float64 value, and the same bits each time. */
export function assertOnThreads(run: (threads: number) => Float32Array, want: ArrayLike<number>, tolerance: (w: number) => number, label: string): void {
  let first: Float32Array | null = null;
  for (const threads of [1, 2, 3]) {
    const out = run(threads);
    for (let j = 0; j < want.length; j++) assert.ok(Math.abs(out[j] - want[j]) <= tolerance(want[j]), `${label}, threads ${threads}, entry ${j}: ${out[j]} vs ${want[j]}`);
    if (first) assert.deepEqual(out, first, `${label}: ${threads} threads change the bits`);
    first = out;
  }
}
