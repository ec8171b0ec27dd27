import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, decodeSafetensors, encodeSafetensors, readCheckpoint, writeCheckpoint, type NamedTensor, type TensorData } from '../../src/runtime/checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'sgfd-ckpt-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh parent directory per test, so sibling listings are not shared. */
const freshParent = (): string => { const p = join(root, `t${counter++}`); mkdirSync(p); return p; };

const bytesOf = (d: TensorData): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

function assertSameTensors(actual: Map<string, NamedTensor>, expected: Map<string, NamedTensor>): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    assert.equal(a.data.constructor, e.data.constructor, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.ok(bytesOf(a.data).equals(bytesOf(e.data)), `${name}: bytes differ`);
  }
}

function sampleTensors(): Map<string, NamedTensor> {
  return new Map<string, NamedTensor>([
    ['f32', { data: new Float32Array([-0, 1.4e-45, 1e-40, Infinity, -Infinity, 3.4028234663852886e38]), shape: [2, 3] }],
    ['f64', { data: new Float64Array([-0, 5e-324, 2.2250738585072e-308, Infinity, -Infinity, Number.MAX_VALUE, Math.PI, -1e-300]), shape: [2, 2, 2] }],
    ['i64', { data: new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n), 0n, -1n, 9007199254740993n]), shape: [5] }],
    ['i32', { data: new Int32Array([2147483647, -2147483648, 0]), shape: [3, 1] }],
    ['i8', { data: new Int8Array([-128, 127, 0, -1]), shape: [4] }],
    ['u8', { data: new Uint8Array([0, 255, 7]), shape: [3] }],
    ['scalar', { data: new Float64Array([3.5]), shape: [] }],
    ['empty', { data: new Float32Array(0), shape: [0, 3] }],
    ['10', { data: new Int32Array([1]), shape: [1] }], // integer-like names reorder in JS objects
    ['2', { data: new Int32Array([2]), shape: [1] }],
  ]);
}

/** Builds a raw safetensors file from a header string and data bytes (no padding added). */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const h = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

function assertCkptError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `"${e.message}" should contain "${f}"`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

describe('safetensors codec', () => {
  test('round trip of several dtypes/shapes is bit-identical and keeps order', () => {
    const tensors = sampleTensors();
    const meta = { a: 'b', 'ü': 'ünïcode' };
    const bytes = encodeSafetensors(tensors, meta);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(n % 8, 0, 'header padded to a multiple of 8');
    const out = decodeSafetensors(bytes);
    assertSameTensors(out.tensors, tensors);
    assert.deepEqual(out.metadata, meta);
  });

  test('decodes from an unaligned view into aligned typed arrays', () => {
    const tensors = sampleTensors();
    const bytes = encodeSafetensors(tensors);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const out = decodeSafetensors(shifted.subarray(3));
    assertSameTensors(out.tensors, tensors);
    for (const t of out.tensors.values()) assert.equal(t.data.byteOffset % t.data.BYTES_PER_ELEMENT, 0);
    assert.deepEqual(out.metadata, {});
  });

  test('encodes a tiny file byte-for-byte as the spec prescribes', () => {
    const bytes = encodeSafetensors(new Map([['x', { data: new Float32Array([1, -2]), shape: [2] }]]));
    const header = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes → padded to 56
    const expected = Buffer.concat([
      Buffer.from([56, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(header + '  ', 'utf8'),
      Buffer.from('0000803f000000c0', 'hex'), // 1.0f, -2.0f little-endian
    ]);
    assert.equal(bytes.toString('hex'), expected.toString('hex'));
  });

  test('decodes a hand-built file from another writer (metadata first, header out of data order, padding)', () => {
    const header = '{"__metadata__":{"format":"pt"},"b":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},'
      + '"a":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const file = rawFile(padded, Buffer.from([1, 2, 3, 4, 0xfe, 0xff, 0xff, 0xff]));
    const { tensors, metadata } = decodeSafetensors(file, 'other.safetensors');
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...tensors.keys()], ['a', 'b']);
    assert.deepEqual([...tensors.get('a')!.data], [1, 2, 3, 4]);
    assert.deepEqual(tensors.get('a')!.shape, [2, 2]);
    assert.deepEqual([...tensors.get('b')!.data], [-2]);
  });

  test('encode rejects inconsistent input', () => {
    assertCkptError(() => encodeSafetensors(new Map([['w', { data: new Float32Array(5), shape: [2, 3] }]])), '"w"', '6 elements');
    assertCkptError(() => encodeSafetensors(new Map([['__metadata__', { data: new Uint8Array(1), shape: [1] }]])), 'reserved');
    assertCkptError(() => encodeSafetensors(new Map([['w', { data: new Uint16Array(1) as unknown as Uint8Array, shape: [1] }]])), 'unsupported');
  });

  const src = 'bad.safetensors';
  const okData = new Uint8Array(8);
  const corrupt: [string, Uint8Array, string][] = [
    ['shorter than the length field', new Uint8Array(5), 'truncated'],
    ['header length beyond file size', rawFile('{}').subarray(0, 9), 'truncated'],
    ['data_offsets beyond buffer', rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(4)), 'truncated'],
    ['invalid JSON header', rawFile('{"x":', okData), 'invalid JSON header'],
    ['invalid UTF-8 header', rawFile('{}').fill(0xff, 8), 'invalid JSON header'],
    ['header is not an object', rawFile('[1,2]'), 'not a JSON object'],
    ['unknown dtype', rawFile('{"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}', okData), 'unknown dtype "BF16"'],
    ['shape × itemsize ≠ offset span', rawFile('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', okData), 'span 8 bytes'],
    ['negative shape', rawFile('{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', okData), 'invalid shape'],
    ['bad data_offsets', rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', okData), 'invalid data_offsets'],
    ['out-of-order offsets (begin > end)', rawFile('{"x":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}', okData), 'out-of-order'],
    ['overlapping offsets', rawFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', okData), 'overlap'],
    ['gap between tensors', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', okData), 'gap'],
    ['trailing bytes', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', okData), 'trailing'],
    ['non-string metadata', rawFile('{"__metadata__":{"a":1}}'), '__metadata__'],
  ];
  for (const [what, bytes, fragment] of corrupt) {
    test(`decode error: ${what}`, () => assertCkptError(() => decodeSafetensors(bytes, src), src, fragment));
  }
});

describe('checkpoint directory', () => {
  const manifest = { step: 120, epoch: 3, config: { lr: 0.001, layers: [64, 32] }, rng: { seed: 42, state: ['123', '456'] }, best: { metric: 'recall@20', value: 0.125 } };

  test('write/read round trip with a complete manifest', () => {
    const dir = join(freshParent(), 'ckpt');
    const tensors = sampleTensors();
    writeCheckpoint(dir, tensors, manifest);
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'tensors.safetensors']);
    const { tensors: t, manifest: m } = readCheckpoint(dir);
    assertSameTensors(t, tensors);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(m.format, 'sgfd-checkpoint');
    assert.equal(m.version, 1);
    assert.equal(m.libraryVersion, pkg.version);
    assert.ok(!Number.isNaN(Date.parse(m.created)));
    assert.equal(m.step, 120);
    assert.equal(m.epoch, 3);
    assert.deepEqual(m.config, manifest.config);
    assert.deepEqual(m.rng, manifest.rng);
    assert.deepEqual(m.best, manifest.best);
    assert.equal(m.tensorsSha256, createHash('sha256').update(readFileSync(join(dir, 'tensors.safetensors'))).digest('hex'));
  });

  test('atomic overwrite: the second write wins and no temp dirs are left', () => {
    const parent = freshParent();
    const dir = join(parent, 'ckpt');
    writeCheckpoint(dir, new Map([['w', { data: new Float32Array([1]), shape: [1] }]]), { ...manifest, step: 1 });
    writeCheckpoint(dir, new Map([['w', { data: new Float32Array([2, 3]), shape: [2] }]]), { ...manifest, step: 2 });
    const { tensors, manifest: m } = readCheckpoint(dir);
    assert.equal(m.step, 2);
    assert.deepEqual([...tensors.get('w')!.data], [2, 3]);
    assert.deepEqual(readdirSync(parent), ['ckpt']);
  });

  /** The pid of a process that has already exited. */
  const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

  test('a crash that left a temp dir does not break reading; the next write cleans it up', () => {
    const parent = freshParent();
    const dir = join(parent, 'ckpt');
    writeCheckpoint(dir, new Map([['w', { data: new Float64Array([7]), shape: [1] }]]), manifest);
    const tmp = `${dir}.tmp-${deadPid()}-0badc0de`;
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'tensors.safetensors'), Buffer.from([1, 2, 3])); // half-written
    assert.deepEqual([...readCheckpoint(dir).tensors.get('w')!.data], [7]);
    writeCheckpoint(dir, new Map([['w', { data: new Float64Array([8]), shape: [1] }]]), manifest);
    assert.deepEqual([...readCheckpoint(dir).tensors.get('w')!.data], [8]);
    assert.deepEqual(readdirSync(parent), ['ckpt']);
  });

  test('a crash between the two renames: read recovers the previous checkpoint from <dir>.old-*', () => {
    const parent = freshParent();
    const dir = join(parent, 'ckpt');
    writeCheckpoint(dir, new Map([['w', { data: new Int32Array([5]), shape: [1] }]]), { ...manifest, step: 5 });
    const pid = deadPid();
    renameSync(dir, `${dir}.old-${pid}-abcdef`);
    mkdirSync(`${dir}.tmp-${pid}-123456`);
    const { tensors, manifest: m } = readCheckpoint(dir);
    assert.equal(m.step, 5);
    assert.deepEqual([...tensors.get('w')!.data], [5]);
    writeCheckpoint(dir, new Map([['w', { data: new Int32Array([6]), shape: [1] }]]), { ...manifest, step: 6 });
    assert.equal(readCheckpoint(dir).manifest.step, 6);
    assert.deepEqual(readdirSync(parent), ['ckpt']);
  });

  test('refuses to replace a directory with foreign files or a non-directory', () => {
    const parent = freshParent();
    const dir = join(parent, 'notackpt');
    mkdirSync(dir);
    writeFileSync(join(dir, 'precious.txt'), 'x');
    assertCkptError(() => writeCheckpoint(dir, new Map(), manifest), dir, 'precious.txt');
    assert.ok(existsSync(join(dir, 'precious.txt')));
    const file = join(parent, 'afile');
    writeFileSync(file, 'x');
    assertCkptError(() => writeCheckpoint(file, new Map(), manifest), file, 'not a checkpoint directory');
    assert.deepEqual(readdirSync(parent).sort(), ['afile', 'notackpt']);
  });

  test('rejects a manifest that JSON cannot represent faithfully', () => {
    const dir = join(freshParent(), 'ckpt');
    assertCkptError(() => writeCheckpoint(dir, new Map(), { ...manifest, rng: { state: 1n } }), 'manifest.json', 'BigInt');
    assertCkptError(() => writeCheckpoint(dir, new Map(), { ...manifest, best: NaN }), 'manifest.json', 'NaN');
    assertCkptError(() => writeCheckpoint(dir, new Map(), { epoch: 1, config: {} } as never), 'manifest.json', '"step"');
    assert.ok(!existsSync(dir));
  });

  /** Writes a valid checkpoint, applies `mutate` to it, and expects `fragments` in the read error. */
  function corruptCase(name: string, mutate: (dir: string) => void, ...fragments: (string | ((dir: string) => string))[]): void {
    test(`read error: ${name}`, () => {
      const dir = join(freshParent(), 'ckpt');
      writeCheckpoint(dir, new Map([['w', { data: new Float32Array([1, 2, 3]), shape: [3] }]]), manifest);
      mutate(dir);
      assertCkptError(() => readCheckpoint(dir), ...fragments.map((f) => (typeof f === 'string' ? f : f(dir))));
    });
  }
  const mPath = (d: string) => join(d, 'manifest.json');
  const tPath = (d: string) => join(d, 'tensors.safetensors');
  const editManifest = (d: string, edit: (m: Record<string, unknown>) => void) => {
    const m = JSON.parse(readFileSync(mPath(d), 'utf8'));
    edit(m);
    writeFileSync(mPath(d), JSON.stringify(m));
  };

  corruptCase('missing directory', (d) => rmSync(d, { recursive: true }), mPath, 'missing');
  corruptCase('missing manifest', (d) => rmSync(mPath(d)), mPath, 'missing');
  corruptCase('missing tensors file', (d) => rmSync(tPath(d)), tPath, 'missing');
  corruptCase('tensors file modified', (d) => {
    const b = readFileSync(tPath(d));
    b[b.length - 1] ^= 1;
    writeFileSync(tPath(d), b);
  }, tPath, 'was modified or corrupted');
  corruptCase('tensors file truncated', (d) => writeFileSync(tPath(d), readFileSync(tPath(d)).subarray(0, 20)), tPath, 'was modified or corrupted');
  corruptCase('manifest not JSON', (d) => writeFileSync(mPath(d), '{"format": "sgfd-checkpoint",'), mPath, 'not valid JSON');
  corruptCase('manifest wrong format field', (d) => editManifest(d, (m) => { m.format = 'something-else'; }), mPath, 'wrong format field', 'something-else');
  corruptCase('manifest is an array', (d) => writeFileSync(mPath(d), '[]'), mPath, 'wrong format field');
  corruptCase('manifest from a future version', (d) => editManifest(d, (m) => { m.version = 99; }), mPath, 'unsupported manifest version');
  corruptCase('manifest without checksum', (d) => editManifest(d, (m) => { delete m.tensorsSha256; }), mPath, 'tensorsSha256');
  corruptCase('tensors file corrupt but checksum updated to match', (d) => {
    const bad = rawFile('{"x":', new Uint8Array(8));
    writeFileSync(tPath(d), bad);
    editManifest(d, (m) => { m.tensorsSha256 = createHash('sha256').update(bad).digest('hex'); });
  }, tPath, 'invalid JSON header');
});
