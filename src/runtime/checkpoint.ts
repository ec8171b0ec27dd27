// Checkpoints: a directory holding tensors.safetensors (name → tensor) and manifest.json
// (config, epoch, step, RNG state, best metric, library version, SHA-256 of the tensors file).
// The safetensors codec is implemented here (no third-party package). Writes are atomic at the
// directory level: contents go to a sibling temp dir which is then swapped in by rename.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { libraryVersion } from './code-location.ts';

/** Typed-array kinds that can be stored in a checkpoint (F32, F64, I64, I32, I8, U8). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

/** A tensor: flat row-major data plus its shape (`[]` is a scalar; a 0 in the shape is empty). */
export interface NamedTensor { data: TensorData; shape: number[] }

/** Contents of manifest.json. `tensorsSha256` (hex) is added by writeCheckpoint. */
export interface CheckpointManifest {
  format: 'sgfd-checkpoint'; version: number; libraryVersion: string; created: string;
  step: number; epoch: number; config: unknown; rng?: unknown; best?: unknown; [key: string]: unknown;
}

/** Any malformed, missing or corrupted checkpoint / safetensors input. Messages are one line. */
export class CheckpointError extends Error {
  constructor(message: string) { super(message.replace(/\s*\n\s*/g, ' ')); this.name = 'CheckpointError'; }
}

interface DType { size: number; is(d: TensorData): boolean; make(b: ArrayBuffer): TensorData }
const DTYPES: Record<string, DType> = {
  F32: { size: 4, is: (d) => d instanceof Float32Array, make: (b) => new Float32Array(b) },
  F64: { size: 8, is: (d) => d instanceof Float64Array, make: (b) => new Float64Array(b) },
  I64: { size: 8, is: (d) => d instanceof BigInt64Array, make: (b) => new BigInt64Array(b) },
  I32: { size: 4, is: (d) => d instanceof Int32Array, make: (b) => new Int32Array(b) },
  I8: { size: 1, is: (d) => d instanceof Int8Array, make: (b) => new Int8Array(b) },
  U8: { size: 1, is: (d) => d instanceof Uint8Array, make: (b) => new Uint8Array(b) },
};
const HOST_LE = endianness() === 'LE';
const MANIFEST = 'manifest.json';
const TENSORS = 'tensors.safetensors';
const MANIFEST_VERSION = 1;

/** Reverses each `size`-byte element in place (host ↔ little-endian on big-endian hosts). */
function swapBytes(u8: Uint8Array, size: number): void {
  if (HOST_LE || size === 1) return;
  for (let i = 0; i < u8.length; i += size) u8.subarray(i, i + size).reverse();
}

function elementCount(shape: unknown, what: string): number {
  if (!Array.isArray(shape)) throw new CheckpointError(`${what}: shape is not an array`);
  let n = 1;
  for (const s of shape) {
    if (!Number.isSafeInteger(s) || s < 0) throw new CheckpointError(`${what}: invalid shape ${JSON.stringify(shape)}`);
    n *= s;
  }
  if (!Number.isSafeInteger(n)) throw new CheckpointError(`${what}: shape ${JSON.stringify(shape)} is too large`);
  return n;
}

/**
 * Serialises tensors (laid out contiguously in map order) and optional string metadata to the
 * safetensors format: u64 LE header length, space-padded JSON header, little-endian data.
 */
export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata?: Record<string, string>): Buffer {
  const parts: string[] = [];
  const layout: { t: NamedTensor; size: number; begin: number }[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const what = `tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') throw new CheckpointError(`${what}: the name is reserved by safetensors`);
    const dtype = Object.keys(DTYPES).find((k) => DTYPES[k].is(t.data));
    if (!dtype) throw new CheckpointError(`${what}: unsupported data type ${Object.prototype.toString.call(t.data)}`);
    const n = elementCount(t.shape, what);
    if (n !== t.data.length) throw new CheckpointError(`${what}: shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`);
    const size = DTYPES[dtype].size;
    // Built by hand (not JSON.stringify of an object) so integer-like names keep map order.
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, offset + n * size] })}`);
    layout.push({ t, size, begin: offset });
    offset += n * size;
  }
  if (metadata !== undefined) {
    const bad = Object.keys(metadata).find((k) => typeof metadata[k] !== 'string');
    if (bad !== undefined) throw new CheckpointError(`metadata ${JSON.stringify(bad)}: values must be strings`);
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let header = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded > header.length) header = Buffer.concat([header, Buffer.alloc(padded - header.length, 0x20)]);
  const out = Buffer.alloc(8 + header.length + offset);
  out.writeBigUInt64LE(BigInt(header.length), 0);
  header.copy(out, 8);
  const base = 8 + header.length;
  for (const { t, size, begin } of layout) {
    const dst = out.subarray(base + begin, base + begin + t.data.byteLength);
    dst.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    swapBytes(dst, size);
  }
  return out;
}

/**
 * Parses safetensors bytes. Tensors are returned in data-offset order (= write order) as freshly
 * allocated, aligned typed arrays. `source` (e.g. the file path) prefixes every error message.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<safetensors>'): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  const fail = (msg: string): never => { throw new CheckpointError(`${source}: ${msg}`); };
  if (bytes.length < 8) fail(`truncated file (${bytes.length} bytes, need at least 8 for the header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) fail(`truncated file (header length ${n} exceeds the ${bytes.length - 8} bytes after the length field)`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try { header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd))); } catch (e) {
    fail(`invalid JSON header (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('invalid header (not a JSON object)');
  const dataLen = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    const what = `tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('invalid __metadata__ (not an object)');
      for (const [k, v] of Object.entries(raw as object)) {
        if (typeof v !== 'string') fail(`invalid __metadata__ (value of ${JSON.stringify(k)} is not a string)`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) fail(`${what}: header entry is not an object`);
    const { dtype, shape, data_offsets: off } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dt = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
    if (!dt) fail(`${what}: unknown dtype ${JSON.stringify(dtype)}`);
    let count = 0;
    try { count = elementCount(shape, what); } catch (e) { fail((e as Error).message); }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      fail(`${what}: invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (begin > end) fail(`${what}: out-of-order data_offsets [${begin}, ${end}] (begin > end)`);
    if (end > dataLen) fail(`truncated file (${what} data_offsets [${begin}, ${end}] beyond the ${dataLen}-byte data buffer)`);
    if (count * dt!.size !== end - begin) {
      fail(`${what}: shape ${JSON.stringify(shape)} × ${dt!.size} bytes = ${count * dt!.size} but data_offsets span ${end - begin} bytes`);
    }
    entries.push({ name, dtype: dt!, shape: [...(shape as number[])], begin, end });
  }
  // JS objects reorder integer-like keys, so validate (and return) in data-offset order.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) fail(`tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${pos})`);
    if (e.begin > pos) fail(`tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${pos}`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} unexpected trailing bytes after the last tensor`);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    const copy = new Uint8Array(e.end - e.begin); // fresh ArrayBuffer → aligned for any element size
    copy.set(bytes.subarray(headerEnd + e.begin, headerEnd + e.end));
    swapBytes(copy, e.dtype.size);
    tensors.set(e.name, { data: e.dtype.make(copy.buffer), shape: e.shape });
  }
  return { tensors, metadata };
}

function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'wx');
  try { for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off); fsyncSync(fd); } finally { closeSync(fd); }
}

/** fsync a directory so renames/creations in it are durable (not supported on every platform). */
function fsyncDir(path: string): void {
  try { const fd = openSync(path, 'r'); try { fsyncSync(fd); } finally { closeSync(fd); } } catch { /* best effort */ }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const LEFTOVER = /^\.(tmp|old)-(\d+)-[0-9a-f]+$/;

/** Sibling `<dir>.tmp-*` / `<dir>.old-*` leftovers: [full path, kind, writer pid]. */
function leftovers(dir: string): [string, string, number][] {
  const parent = dirname(dir), base = basename(dir);
  const names = existsSync(parent) ? readdirSync(parent) : [];
  const out: [string, string, number][] = [];
  for (const name of names) {
    const m = name.startsWith(base) ? LEFTOVER.exec(name.slice(base.length)) : null;
    if (m) out.push([join(parent, name), m[1], Number(m[2])]);
  }
  return out;
}

function checkCounters(m: Partial<CheckpointManifest>, path: string): void {
  const bad = (['step', 'epoch'] as const).find((k) => typeof m[k] !== 'number');
  if (bad) throw new CheckpointError(`${path}: field "${bad}" is missing or not a number`);
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Atomically writes dir/tensors.safetensors and dir/manifest.json. format, version, created,
 * libraryVersion and tensorsSha256 are filled in (created/libraryVersion may be overridden).
 * An existing `dir` is replaced only if it holds nothing but checkpoint files. Leftovers of
 * crashed writers (`<dir>.tmp-*` / `<dir>.old-*` whose pid is dead) are removed afterwards.
 */
export function writeCheckpoint(
  dir: string, tensors: Map<string, NamedTensor>,
  manifest: Omit<CheckpointManifest, 'format' | 'version' | 'created' | 'libraryVersion'> & Partial<CheckpointManifest>,
): void {
  dir = resolve(dir);
  const bytes = encodeSafetensors(tensors, { producer: 'sgfd', libraryVersion: libraryVersion() });
  checkCounters(manifest, join(dir, MANIFEST));
  const full = {
    created: new Date().toISOString(), libraryVersion: libraryVersion(), ...manifest,
    format: 'sgfd-checkpoint', version: MANIFEST_VERSION, tensorsSha256: sha256(bytes),
  } as CheckpointManifest;
  let json: string;
  try {
    json = JSON.stringify(full, (key, v) => {
      if (typeof v === 'bigint') throw new Error(`field ${JSON.stringify(key)} is a BigInt (store it as a string)`);
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`field ${JSON.stringify(key)} is ${v} (not representable in JSON)`);
      return v;
    }, 2) + '\n';
  } catch (e) { throw new CheckpointError(`${join(dir, MANIFEST)}: manifest is not JSON-serialisable: ${(e as Error).message}`); }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: exists and is not a checkpoint directory`);
    const foreign = readdirSync(dir).filter((f) => f !== MANIFEST && f !== TENSORS);
    if (foreign.length) throw new CheckpointError(`${dir}: refusing to replace a directory containing non-checkpoint files (${foreign.slice(0, 3).join(', ')})`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const tag = () => `${process.pid}-${randomBytes(6).toString('hex')}`;
  const tmp = `${dir}.tmp-${tag()}`;
  let old: string | undefined;
  try {
    mkdirSync(tmp);
    writeDurable(join(tmp, TENSORS), bytes);
    writeDurable(join(tmp, MANIFEST), Buffer.from(json, 'utf8'));
    fsyncDir(tmp);
    if (existsSync(dir)) { old = `${dir}.old-${tag()}`; renameSync(dir, old); }
    renameSync(tmp, dir);
    fsyncDir(dirname(dir));
  } catch (e) {
    if (old && !existsSync(dir)) { try { renameSync(old, dir); } catch { /* old stays recoverable */ } }
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
  for (const [path, , pid] of leftovers(dir)) {
    if (pid !== process.pid && !pidAlive(pid)) rmSync(path, { recursive: true, force: true });
  }
}

function readDir(dir: string): { tensors: Map<string, NamedTensor>; manifest: CheckpointManifest } {
  const mPath = join(dir, MANIFEST), tPath = join(dir, TENSORS);
  if (!existsSync(mPath)) throw new CheckpointError(`${mPath}: missing (no checkpoint at ${dir})`);
  let m: unknown;
  try { m = JSON.parse(readFileSync(mPath, 'utf8')); } catch (e) { throw new CheckpointError(`${mPath}: manifest is not valid JSON (${(e as Error).message})`); }
  const man = m as CheckpointManifest;
  const format = typeof m === 'object' && m !== null ? man.format : undefined;
  if (format !== 'sgfd-checkpoint') throw new CheckpointError(`${mPath}: wrong format field (expected "sgfd-checkpoint", got ${JSON.stringify(format) ?? 'none'})`);
  if (typeof man.version !== 'number' || man.version > MANIFEST_VERSION) throw new CheckpointError(`${mPath}: unsupported manifest version ${JSON.stringify(man.version)}`);
  checkCounters(man, mPath);
  if (typeof man.tensorsSha256 !== 'string') throw new CheckpointError(`${mPath}: field "tensorsSha256" is missing`);
  if (!existsSync(tPath)) throw new CheckpointError(`${tPath}: missing (checkpoint at ${dir} is incomplete)`);
  const bytes = readFileSync(tPath);
  if (sha256(bytes) !== man.tensorsSha256) throw new CheckpointError(`${tPath}: SHA-256 does not match ${MANIFEST}; the file was modified or corrupted`);
  return { tensors: decodeSafetensors(bytes, tPath).tensors, manifest: man };
}

/**
 * Reads and verifies a checkpoint written by writeCheckpoint. Recovery: if `dir` is missing but
 * a complete `<dir>.old-*` exists (a writer stopped between its two renames), the newest such
 * checkpoint — the last committed state — is read (without touching the disk) and a warning is
 * emitted; the next writeCheckpoint cleans it up. Temp dirs (`<dir>.tmp-*`) are never read.
 */
export function readCheckpoint(dir: string): { tensors: Map<string, NamedTensor>; manifest: CheckpointManifest } {
  dir = resolve(dir);
  if (existsSync(dir)) return readDir(dir);
  const olds = leftovers(dir).filter(([, kind]) => kind === 'old').map(([p]) => p)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of olds) {
    try {
      const r = readDir(old);
      process.emitWarning(`checkpoint ${dir} is missing; recovered the previous checkpoint from ${old}`, 'CheckpointWarning');
      return r;
    } catch { /* incomplete; try the next one */ }
  }
  return readDir(dir); // throws the "missing" error
}
