// Shared test fixtures for the data tests: temp directories and small text/npy source files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh temporary directory removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `lines` joined by newlines (with a trailing newline) to dir/name and returns the path. */
export function writeLines(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Float32 n × dim matrix whose row i is [i, i + 0.5, i + 1, ...] (easy to check after import). */
export function rowCoded(n: number, dim: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array): Float32Array | Float64Array {
  const a = new Ctor(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) a[i * dim + c] = i + 0.5 * c;
  return a;
}
