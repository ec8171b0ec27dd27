import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchThreads, cpuLine, cpuRatioOf, oursOverFloor, type Compared } from '../../bench/compare.ts';
import { OPENMP_BLAS_DIRS, blasNote, openmpBlasDir } from '../../bench/torch-runner.ts';
import { mergePeaks, peakOf } from '../../bench/gemm-work.ts';

test('BENCH_THREADS: 1 unless set, a whole number ≥ 1 otherwise, anything else a clear error', () => {
  assert.equal(benchThreads(undefined), 1);
  assert.equal(benchThreads(''), 1);
  assert.equal(benchThreads('2'), 2);
  for (const bad of ['0', '-1', '1.5', 'two']) assert.throws(() => benchThreads(bad), new RegExp(`BENCH_THREADS: expected a whole number of threads ≥ 1, got '${bad}'`));
});

test('torch above one thread loads the OpenMP build of OpenBLAS where installed; one thread keeps the system\'s', () => {
  const [x86] = OPENMP_BLAS_DIRS;
  const installed = (d: string) => d === x86;
  assert.equal(openmpBlasDir(2, installed), x86);
  assert.equal(openmpBlasDir(1, installed), null, 'one thread: no pool to fight over');
  assert.equal(openmpBlasDir(4, () => false), null, 'not installed: the system\'s choice');
  assert.match(blasNote(2, x86), /OpenMP build/);
  assert.match(blasNote(2, null), /^WARNING: no OpenMP build of OpenBLAS \(apt-get install libopenblas0-openmp\)/);
  assert.match(blasNote(1, null), /one thread/);
});

test('cpuRatioOf: the median of the per-round CPU ratios (every thread of each process); na without torch', () => {
  const r = { oursCpu: [2, 3, 10], torchCpu: [4, 4, 4] } as unknown as Compared;
  assert.equal(cpuRatioOf(r), 0.75);
  assert.equal(cpuRatioOf({ oursCpu: [1], torchCpu: [] } as unknown as Compared), null);
});

test('cpuLine: each side\'s CPU seconds and minor page faults per unit (medians, rounds listed); na where a side gave none', () => {
  const r = { w: { label: 'office x' }, oursCpu: [1, 2, 3], torchCpu: [4, 4, 4], oursFaults: [300, 20, 100], torchFaults: [] } as unknown as Compared;
  const line = cpuLine(r, 'epoch');
  assert.match(line, /^ {2}office x CPU \(all threads of each process\): ours 2\.00 s\/epoch, torch 4\.00 s\/epoch; ratio ours\/torch 0\.500 /);
  assert.match(line, /minor page faults\/epoch ours 100 \(per round 300 20 100\), torch na$/);
});

test('oursOverFloor: our median unit over the GEMM floor (flops × steps at the best peak); na without a GEMM measurement', () => {
  const r = {
    w: { unit: { epoch: true } }, setup: { stepsPerEpoch: 10 }, ours: [3, 1, 2], torch: [8],
    gemm: { flopsPerStep: 2e9, peak: { bestGflops: 100 } },
  } as unknown as Compared;
  // floor = 2e9 × 10 / 100e9 = 0.2 s; median ours 2 s → 10×
  assert.equal(oursOverFloor(r), 10);
  assert.equal(oursOverFloor({ ...r, gemm: null } as Compared), null);
});

test('mergePeaks: every sample of every sampling kept; best and median over all of them (hand-computed rates)', () => {
  // The probe's product is 2·2048·4096·1024 = 17.18 GFLOP: 100 ms → 171.8 GFLOP/s, 200 ms → 85.9.
  const flop = 2 * 2048 * 4096 * 1024;
  const early = peakOf([200, 150]);
  const late = peakOf([100, 400, 250]);
  assert.equal(early.flop, flop);
  assert.equal(early.shape, '2048×4096 @ 4096×1024');
  assert.ok(Math.abs(early.bestGflops - flop / 150 / 1e6) < 1e-9, 'best of one sampling: its fastest sample');
  const all = mergePeaks([early, late]);
  assert.deepEqual(all.ms, [200, 150, 100, 400, 250]);
  assert.ok(Math.abs(all.bestGflops - 171.798691) < 1e-5, `best over the run ${all.bestGflops}`);
  assert.ok(Math.abs(all.medianGflops - flop / 200 / 1e6) < 1e-9, 'median over all five samples (the 200 ms one)');
  assert.throws(() => peakOf([]), /GEMM peak: no samples/);
});
