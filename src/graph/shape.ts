// Static/symbolic shapes: broadcasting, sizes and readable formatting for build-time errors.

/** A dimension: a number when known at build time, a name (e.g. 'batch') when symbolic. */
export type Dim = number | string;
export type Shape = Dim[];

export class ShapeError extends Error {}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

export function isStatic(s: Shape): s is number[] {
  return s.every((d) => typeof d === 'number');
}

export function sizeOf(s: Shape): number {
  if (!isStatic(s)) throw new ShapeError(`size of symbolic shape ${formatShape(s)} is not known at build time`);
  return s.reduce((a, b) => a * b, 1);
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]));
}

/** Numpy-style broadcast of two shapes; throws naming the op and both shapes when they conflict. */
export function broadcast(op: string, a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === 'string' && typeof db === 'number') out.push(db);
    else if (typeof db === 'string' && typeof da === 'number') out.push(da);
    else if (typeof da === 'string' && typeof db === 'string') out.push(da);
    else throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dim ${i}: ${da} vs ${db})`);
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of the given rank. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}
