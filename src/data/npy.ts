// NumPy .npy reader and writer (format versions 1.0, 2.0 and 3.0; little-endian numeric arrays in
// C order). Rejects Fortran order, object/structured arrays, big-endian data and truncated files
// with a one-line message naming the file.
import { writeFileSync } from 'node:fs';
import { dataError } from './errors.ts';
import { checkFinite } from './validate.ts';
import { readInputFile } from './input-file.ts';

export type NpyData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** Name used in messages (the path as the user gave it). */
  file: string;
  /** NumPy dtype string, e.g. "<f4". */
  descr: string;
  shape: number[];
  data: NpyData;
}

type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData; new (length: number): NpyData; BYTES_PER_ELEMENT: number };

const DTYPES: Record<string, Ctor> = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, b1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array, i8: BigInt64Array, u8: BigUint64Array,
};

const MAGIC = '\x93NUMPY';

export function readNpy(path: string, file = path): NpyArray {
  return parseNpy(readInputFile(path, file, 'a .npy file'), file);
}

/** Parses .npy bytes; numeric data is a view of `bytes` when aligned, else a copy. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const text = (a: number, b: number) => Buffer.from(bytes.buffer, bytes.byteOffset + a, Math.max(0, Math.min(b, bytes.length) - a)).toString('latin1');
  if (bytes.length < 10 || text(0, 6) !== MAGIC) throw dataError(file, 'a .npy file (starting with \\x93NUMPY)', 'other bytes');
  const major = bytes[6];
  if (major < 1 || major > 3) throw dataError(file, '.npy format version 1, 2 or 3', `${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw dataError(file, 'a complete .npy header', 'a truncated file');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw dataError(file, `a .npy header of ${headerLen} bytes`, 'a truncated file');
  const header = major === 3 ? Buffer.from(bytes.subarray(headerStart, dataStart)).toString('utf8') : text(headerStart, dataStart);

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (descr === undefined) throw dataError(`${file}: header descr`, 'a simple numeric dtype', 'a structured dtype');
  if (/O/.test(descr)) throw dataError(`${file}: header descr`, 'a numeric array', `an object array ('${descr}', saved with allow_pickle)`);
  if (descr[0] === '>') throw dataError(`${file}: header descr`, 'little-endian data', `big-endian '${descr}'`);
  const Ctor = DTYPES[descr.slice(1)];
  if (!Ctor || !'<|='.includes(descr[0])) throw dataError(`${file}: header descr`, 'a float, int, uint or bool dtype', descr);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  if (fortran === 'True') throw dataError(`${file}: header fortran_order`, 'C order (row-major; save np.ascontiguousarray(x))', 'Fortran order');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined || fortran === undefined) throw dataError(`${file}: header`, "a dict with 'descr', 'fortran_order' and 'shape'", header.trim().slice(0, 60));
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw dataError(`${file}: header shape`, 'non-negative integers', `(${shapeText})`);

  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * Ctor.BYTES_PER_ELEMENT;
  const have = bytes.length - dataStart;
  if (have !== need) {
    throw dataError(file, `${need} bytes of data for shape (${shape.join(', ')}) ${descr}`, `${have} bytes (${have < need ? 'truncated' : 'trailing bytes'})`);
  }
  const offset = bytes.byteOffset + dataStart;
  const data = offset % Ctor.BYTES_PER_ELEMENT === 0
    ? new Ctor(bytes.buffer, offset, count)
    : new Ctor(bytes.slice(dataStart).buffer, 0, count);
  return { file, descr, shape, data };
}

/**
 * A 2-D float32/float64 array as float32 features (float64 converted), checked for NaN/Inf
 * with the row and column named.
 */
export function npyFeatures(a: NpyArray): { rows: number; dim: number; data: Float32Array } {
  if (a.shape.length !== 2) throw dataError(`${a.file}: shape`, 'a 2-D array (items × dim)', `(${a.shape.join(', ')})`);
  if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) {
    throw dataError(`${a.file}: dtype`, 'float32 or float64 features', a.descr);
  }
  const [rows, dim] = a.shape;
  if (dim < 1) throw dataError(`${a.file}: shape`, 'a 2-D array (items × dim) with at least one column', `(${a.shape.join(', ')})`);
  checkFinite(a.data, dim, (r, c) => `${a.file}: row ${r}, column ${c}`);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  return { rows, dim, data };
}

/** A 1-D integer array as Int32Array (int64 values must fit). */
export function npyIntVector(a: NpyArray): Int32Array {
  if (a.shape.length !== 1) throw dataError(`${a.file}: shape`, 'a 1-D integer vector', `(${a.shape.join(', ')})`);
  if (a.data instanceof Float32Array || a.data instanceof Float64Array) throw dataError(`${a.file}: dtype`, 'an integer dtype', a.descr);
  const out = new Int32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(a.data[i]);
    if (v > 2147483647 || v < -2147483648) throw dataError(`${a.file}: row ${i}`, 'a value that fits int32', v);
    out[i] = v;
  }
  return out;
}

export interface WriteNpyOptions {
  /** Format version to write (1, 2 or 3); 1 unless the header needs more than 65535 bytes. */
  version?: 1 | 2 | 3;
}

/** Writes a C-order little-endian .npy file (used by fixtures, exports and benchmarks). */
export function writeNpy(path: string, data: NpyData, shape: number[], opts: WriteNpyOptions = {}): void {
  writeFileSync(path, encodeNpy(data, shape, opts));
}

export function encodeNpy(data: NpyData, shape: number[], opts: WriteNpyOptions = {}): Buffer {
  const code = Object.entries(DTYPES).find(([k, C]) => k !== 'b1' && data instanceof C)![0];
  const descr = `${code.endsWith('1') ? '|' : '<'}${code}`;
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const version = opts.version ?? 1;
  const pre = version === 1 ? 10 : 12;
  const padded = dict + ' '.repeat((64 - ((pre + dict.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(pre);
  head.write(MAGIC, 0, 'latin1');
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(padded.length, 8);
  else head.writeUInt32LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
