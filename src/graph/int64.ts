// int64 index tensors without a BigInt per element: on little-endian machines (every platform
// onnxruntime-node ships for) an int64 holding an int32 value v is the two 32-bit words v and v >> 31,
// so writing and reading them through an Int32Array view gives the same bytes as BigInt(v), ≈ 10×
// faster (the index plans and id tensors built for every train step).

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The int64 words of `a` as pairs of int32 (null on a big-endian machine). */
function words(a: BigInt64Array): Int32Array | null {
  return LITTLE_ENDIAN ? new Int32Array(a.buffer, a.byteOffset, a.length * 2) : null;
}

/** `values` (integers in int32 range) as int64: the same as BigInt64Array.from(values, BigInt). */
export function int64From(values: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const w = words(out);
  if (!w) { for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]); return out; }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== (v | 0)) { out[i] = BigInt(v); continue; } // outside int32 (BigInt throws on a non-integer)
    w[2 * i] = v;
    w[2 * i + 1] = v >> 31;
  }
  return out;
}

/** int64 indices (each in [0, 2³¹)) as int32: throws, naming the element, on one outside. */
export function indicesAsInt32(values: BigInt64Array): Int32Array {
  return idsInRange(values, 2 ** 31, (i, v) => { throw new RangeError(`indicesAsInt32: element ${i} = ${v} is outside [0, 2^31)`); });
}

/**
 * Reads int64 or number `ids` into int32, calling `bad(i, value)` (which must throw) for an element
 * that is not an integer in [0, limit).
 */
export function idsInRange(ids: ArrayLike<number | bigint>, limit: number, bad: (i: number, v: number) => never): Int32Array {
  const n = ids.length;
  const out = new Int32Array(n);
  const w = ids instanceof BigInt64Array ? words(ids) : null;
  if (w) {
    for (let i = 0; i < n; i++) {
      const lo = w[2 * i];
      if (w[2 * i + 1] !== 0 || lo < 0 || lo >= limit) bad(i, Number(ids[i]));
      out[i] = lo;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = Number(ids[i]);
    if (!(v >= 0 && v < limit) || !Number.isInteger(v)) bad(i, v);
    out[i] = v;
  }
  return out;
}
