// Low-level, checked access to Arrow IPC files: open a file, take a column as a typed array
// (a view of the file bytes when the column is one contiguous chunk), read schema metadata.
import { createHash } from 'node:crypto';
import { DataType, Message, MessageHeader, tableFromIPC, type Table, type Vector } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { dataError, rowLocator } from './errors.ts';
import { readInputFile } from './input-file.ts';

/** An opened Arrow file: its display name, the table and the bytes every column views. */
export interface ArrowFile {
  file: string;
  table: Table;
  bytes: Uint8Array;
}

const MAGIC = 'ARROW1';

/** Size and SHA-256 of a file as recorded in the dataset manifest when it was written. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/**
 * Reads an Arrow IPC *file* (magic at both ends), with one-line errors for missing, truncated or
 * corrupt files. With `expected` (from the manifest) any change to the bytes is detected;
 * without it the message layout is still checked before apache-arrow parses the file.
 */
export function readArrowFile(path: string, name: string, expected?: FileDigest): ArrowFile {
  const bytes = readInputFile(path, name, 'an Arrow IPC file');
  if (expected) {
    if (bytes.length !== expected.bytes) {
      throw dataError(name, `${expected.bytes} bytes (as written, see manifest.json)`, `${bytes.length} bytes (${bytes.length < expected.bytes ? 'truncated' : 'grown'})`);
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== expected.sha256) throw dataError(name, 'the SHA-256 recorded in manifest.json', 'different bytes (corrupt file)');
  }
  const head = bytes.subarray(0, 6).toString('latin1');
  const tail = bytes.subarray(Math.max(0, bytes.length - 6)).toString('latin1');
  if (head !== MAGIC) throw dataError(name, `an Arrow IPC file starting with "${MAGIC}"`, 'other bytes (not an Arrow file)');
  if (tail !== MAGIC) throw dataError(name, `an Arrow IPC file ending with "${MAGIC}"`, `${bytes.length} bytes without it (truncated)`);
  checkLayout(bytes, name);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw dataError(name, 'a readable Arrow IPC file', `a corrupt one (${oneLine(e)})`);
  }
  return { file: name, table, bytes };
}

/**
 * Checks the IPC message layout before apache-arrow reads it (its file reader can spin forever
 * on a corrupt message): after the leading magic, each message must have a positive metadata
 * length and a body inside the file, up to the footer; every batch the footer lists must be a
 * message of the right kind.
 */
function checkLayout(bytes: Buffer, name: string): void {
  const corrupt = (at: number, what: string) => dataError(name, 'a readable Arrow IPC file', `a corrupt one (${what} at byte ${at})`);
  const footerLength = bytes.length >= 16 ? bytes.readInt32LE(bytes.length - 10) : -1;
  const end = bytes.length - 10 - footerLength;
  if (footerLength <= 0 || end < 8) throw corrupt(bytes.length - 10, 'bad footer length');
  const headerAt = new Map<number, MessageHeader>();
  for (let pos = 8; pos < end;) {
    const start = pos;
    let len = pos + 4 <= end ? bytes.readInt32LE(pos) : NaN;
    pos += 4;
    if (len === -1) {
      len = pos + 4 <= end ? bytes.readInt32LE(pos) : NaN;
      pos += 4;
    }
    if (len === 0) break; // end-of-stream marker
    if (!(len > 0) || pos + len > end) throw corrupt(pos, `message length ${len} out of bounds`);
    let body: number;
    try {
      const message = Message.decode(bytes.subarray(pos, pos + len));
      body = Number(message.bodyLength);
      headerAt.set(start, message.headerType);
    } catch (e) {
      throw corrupt(pos, `undecodable message: ${oneLine(e)}`);
    }
    pos += len;
    if (!(body >= 0) || pos + body > end) throw corrupt(pos, `message body of ${body} bytes out of bounds`);
    pos += body;
  }
  let blocks: [{ offset: number }, MessageHeader][];
  try {
    const footer = Footer.decode(bytes.subarray(end, end + footerLength));
    blocks = [
      ...[...footer.recordBatches()].map((b) => [b, MessageHeader.RecordBatch] as [{ offset: number }, MessageHeader]),
      ...[...footer.dictionaryBatches()].map((b) => [b, MessageHeader.DictionaryBatch] as [{ offset: number }, MessageHeader]),
    ];
  } catch (e) {
    throw corrupt(end, `undecodable footer: ${oneLine(e)}`);
  }
  for (const [b, type] of blocks) {
    const at = Number(b.offset);
    if (headerAt.get(at) !== type) throw corrupt(at, `no ${MessageHeader[type]} message where the footer points`);
  }
}

export function requireColumn(t: ArrowFile, name: string): Vector {
  const v = t.table.getChild(name);
  if (!v) throw dataError(`${t.file}: column ${name}`, 'the column to exist', `only ${t.table.schema.fields.map((f) => f.name).join(', ')}`);
  return v;
}

type NumericCtor<A> = { new (n: number): A; BYTES_PER_ELEMENT: number };
type NumericArray = Int8Array | Int32Array | Float32Array | Float64Array;

/**
 * A primitive column as one typed array of `type` (compared by its printed name, e.g. "Int32").
 * Zero-copy when the column is a single chunk (files written by sgfd always are).
 */
export function typedColumn<A extends NumericArray>(
  t: ArrowFile, name: string, type: DataType, Ctor: NumericCtor<A>, opts: { nullable?: boolean } = {},
): A {
  const v = requireColumn(t, name);
  if (String(v.type) !== String(type)) throw dataError(`${t.file}: column ${name}`, `type ${type}`, String(v.type));
  if (!opts.nullable && v.nullCount > 0) {
    let r = 0;
    while (v.isValid(r)) r++;
    throw dataError(rowLocator(t.file).cell(r, name), 'a value', 'null');
  }
  return contiguous(t, name, v.data, 1, Ctor);
}

export function optionalColumn<A extends NumericArray>(t: ArrowFile, name: string, type: DataType, Ctor: NumericCtor<A>): A | null {
  return t.table.getChild(name) ? typedColumn(t, name, type, Ctor) : null;
}

/** A FixedSizeList<Float32>[dim] column as a row-major Float32Array (nRows × dim) view. */
export function fixedSizeListColumn(t: ArrowFile, name: string): { dim: number; data: Float32Array } {
  const v = requireColumn(t, name);
  const type = v.type;
  if (!DataType.isFixedSizeList(type) || !DataType.isFloat(type.children[0].type) || String(type.children[0].type) !== 'Float32') {
    throw dataError(`${t.file}: column ${name}`, 'type FixedSizeList<Float32> (a modality)', String(type));
  }
  if (v.nullCount > 0) throw dataError(`${t.file}: column ${name}`, 'features for every item', `${v.nullCount} null rows`);
  const dim = type.listSize;
  const chunks = v.data.map((d) => {
    const c = d.children[0];
    return { values: c.values, offset: c.offset + d.offset * dim, length: d.length * dim };
  });
  return { dim, data: contiguous(t, name, chunks, dim, Float32Array) };
}

/** A run of values inside one Arrow buffer. */
interface Chunk {
  values: unknown;
  offset: number;
  length: number;
}

/** Joins chunks of values into one array: a view when there is one chunk, a copy otherwise. */
function contiguous<A extends NumericArray>(t: ArrowFile, name: string, chunks: readonly Chunk[], per: number, Ctor: NumericCtor<A>): A {
  for (const c of chunks) {
    const values = c.values as A;
    if (!(values instanceof (Ctor as unknown as Function)) || values.length < c.offset + c.length) {
      throw dataError(`${t.file}: column ${name}`, `${c.length / per} rows of data`, 'a shorter buffer (corrupt file)');
    }
  }
  if (chunks.length === 1) {
    const c = chunks[0];
    return (c.values as A).subarray(c.offset, c.offset + c.length) as A;
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Ctor(total);
  let at = 0;
  for (const c of chunks) {
    (out as NumericArray).set((c.values as A).subarray(c.offset, c.offset + c.length) as never, at);
    at += c.length;
  }
  return out;
}

/** A required non-negative integer from the schema metadata key `sgfd.<key>`. */
export function metaInt(t: ArrowFile, key: string): number {
  const s = t.table.schema.metadata.get(`sgfd.${key}`);
  const v = s === undefined ? NaN : Number(s);
  if (!Number.isSafeInteger(v) || v < 0) throw dataError(`${t.file}: schema metadata sgfd.${key}`, 'a non-negative integer', s ?? 'nothing');
  return v;
}

/** An optional JSON value from the schema metadata key `sgfd.<key>`. */
export function metaJson<T>(t: ArrowFile, key: string): T | null {
  const s = t.table.schema.metadata.get(`sgfd.${key}`);
  if (s === undefined) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    throw dataError(`${t.file}: schema metadata sgfd.${key}`, 'JSON', s.slice(0, 40));
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

