import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, npyFeatures, npyIntVector, parseNpy, readNpy, writeNpy } from '../../src/data/npy.ts';
import { rowCoded, tempDir } from './helpers.ts';

for (const version of [1, 2, 3] as const) {
  test(`reads a v${version} float32 matrix (zero-copy when aligned)`, (t) => {
    const path = join(tempDir(t), 'x.npy');
    const data = rowCoded(3, 4) as Float32Array;
    writeNpy(path, data, [3, 4], { version });
    const a = readNpy(path, 'x.npy');
    assert.equal(a.descr, '<f4');
    assert.deepEqual(a.shape, [3, 4]);
    assert.deepEqual(Array.from(a.data as Float32Array), Array.from(data));
    const f = npyFeatures(a);
    assert.equal(f.rows, 3);
    assert.equal(f.dim, 4);
    assert.equal(f.data.buffer, a.data.buffer); // float32 is not copied
  });
}

test('header is padded to a multiple of 64 bytes, as NumPy writes it', () => {
  const bytes = encodeNpy(new Float32Array(6), [2, 3]);
  assert.equal((bytes.length - 24) % 64, 0);
  assert.equal(bytes.subarray(1, 6).toString('latin1'), 'NUMPY');
});

test('float64 features are converted to float32', () => {
  const bytes = encodeNpy(rowCoded(2, 3, Float64Array), [2, 3]);
  const f = npyFeatures(parseNpy(bytes, 'd.npy'));
  assert.ok(f.data instanceof Float32Array);
  assert.deepEqual(Array.from(f.data), [0, 0.5, 1, 1, 1.5, 2]);
});

test('int64 label vectors become int32', () => {
  const v = npyIntVector(parseNpy(encodeNpy(BigInt64Array.from([0n, 3n, -1n]), [3]), 'l.npy'));
  assert.deepEqual(Array.from(v), [0, 3, -1]);
});

function withHeader(dict: string, payload: Uint8Array): Uint8Array {
  const base = encodeNpy(new Float32Array(0), [0]);
  const text = dict.padEnd(118, ' ') + '\n';
  const out = Buffer.alloc(10 + text.length + payload.length);
  base.copy(out, 0, 0, 8);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  out.set(payload, 10 + text.length);
  return out;
}

test('rejects Fortran order with a clear message', () => {
  const b = withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16));
  assert.throws(() => parseNpy(b, 'f.npy'), /^DataError: f\.npy: header fortran_order: expected C order .*got "Fortran order"$/);
});

test('rejects object arrays', () => {
  const b = withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16));
  assert.throws(() => parseNpy(b, 'o.npy'), /o\.npy: header descr: expected a numeric array, got "an object array \('\|O', saved with allow_pickle\)"/);
});

test('rejects big-endian data and structured dtypes', () => {
  assert.throws(() => parseNpy(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), 'b.npy'), /little-endian/);
  assert.throws(() => parseNpy(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), 's.npy'), /structured dtype/);
});

test('rejects truncated files and files that are not .npy', (t) => {
  const path = join(tempDir(t), 't.npy');
  writeNpy(path, new Float32Array(12), [3, 4]);
  writeFileSync(path, readFileSync(path).subarray(0, 128 + 20));
  assert.throws(() => readNpy(path, 't.npy'), /t\.npy: expected 48 bytes of data for shape \(3, 4\) <f4, got "20 bytes \(truncated\)"/);
  assert.throws(() => parseNpy(Buffer.from('hello world, not numpy'), 'h.npy'), /h\.npy: expected a \.npy file/);
  assert.throws(() => parseNpy(encodeNpy(new Float32Array(4), [4]).subarray(0, 40), 'c.npy'), /c\.npy: .*truncated/);
});

test('NaN and Inf in features name the row and column', () => {
  const data = new Float32Array(6);
  data[4] = NaN;
  assert.throws(() => npyFeatures(parseNpy(encodeNpy(data, [2, 3]), 'n.npy')), /n\.npy: row 1, column 1: expected a finite number, got "NaN"/);
  const inf = new Float64Array(6);
  inf[2] = -Infinity;
  assert.throws(() => npyFeatures(parseNpy(encodeNpy(inf, [3, 2]), 'i.npy')), /i\.npy: row 1, column 0: expected a finite number, got "-Infinity"/);
});

test('wrong dtype or shape for features is an error', () => {
  assert.throws(() => npyFeatures(parseNpy(encodeNpy(new Int32Array(4), [2, 2]), 'w.npy')), /w\.npy: dtype: expected float32 or float64 features, got "<i4"/);
  assert.throws(() => npyFeatures(parseNpy(encodeNpy(new Float32Array(4), [4]), 'v.npy')), /v\.npy: shape: expected a 2-D array/);
});
