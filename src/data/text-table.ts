// Delimited text tables with a header line (CSV, TSV, MMRec .inter). Cells are kept as strings;
// typed accessors convert them with errors naming the file, line and column.
import { dataError, lineLocator, type Locator } from './errors.ts';
import { readInputFile } from './input-file.ts';

export interface TextTable {
  file: string;
  header: string[];
  /** columns[c][r] is the cell of data row r in header column c. */
  columns: string[][];
  nRows: number;
  /** Names data rows as file lines. */
  loc: Locator;
}

export interface ReadTableOptions {
  /** Field separator; default: tab when the header line contains one, else comma. */
  delimiter?: string;
  /** Columns that must be present. */
  required?: string[];
}

export function readTextTable(path: string, file: string, opts: ReadTableOptions = {}): TextTable {
  const text = readInputFile(path, file, 'a readable text file').toString('utf8');
  const lines = text.split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  const delimiter = opts.delimiter ?? (headerLine.includes('\t') ? '\t' : ',');
  const header = splitLine(headerLine, delimiter).map((h) => h.trim());
  if (header.length === 0 || header.every((h) => h === '')) throw dataError(`${file}: line 1`, 'a header line naming the columns', 'an empty line');
  for (const name of opts.required ?? []) {
    if (!header.includes(name)) throw dataError(`${file}: header`, `a column named ${name}`, header.join(delimiter === '\t' ? ' ' : delimiter));
  }
  const columns: string[][] = header.map(() => []);
  const lineNo: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = splitLine(lines[i], delimiter);
    if (cells.length !== header.length) {
      throw dataError(`${file}: line ${i + 1}`, `${header.length} fields like the header`, `${cells.length}`);
    }
    for (let c = 0; c < cells.length; c++) columns[c].push(cells[c].trim());
    lineNo.push(i + 1);
  }
  return { file, header, columns, nRows: lineNo.length, loc: lineLocator(file, (r) => lineNo[r]) };
}

/** Splits one line; fields may be double-quoted (with "" for a quote inside). */
function splitLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) { out.push(cur); cur = ''; i += delimiter.length - 1; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function column(t: TextTable, name: string): string[] {
  const c = t.header.indexOf(name);
  if (c < 0) throw dataError(`${t.file}: header`, `a column named ${name}`, t.header.join(' '));
  return t.columns[c];
}

export function hasColumn(t: TextTable, name: string): boolean {
  return t.header.includes(name);
}

const INT = /^[+-]?\d+$/;

export function isIntegerText(s: string): boolean {
  return INT.test(s);
}

/** An integer column with every value in [min, max]. */
export function intColumn(t: TextTable, name: string, min = 0, max = 2147483647, what = 'an integer'): Int32Array {
  const cells = column(t, name);
  const out = new Int32Array(cells.length);
  for (let r = 0; r < cells.length; r++) {
    const s = cells[r];
    const v = INT.test(s) ? Number(s) : NaN;
    if (!(v >= min && v <= max)) throw dataError(t.loc.cell(r, name), `${what} in [${min}, ${max}]`, s);
    out[r] = v;
  }
  return out;
}

/** A numeric column as float64 (e.g. timestamps). */
export function numberColumn(t: TextTable, name: string): Float64Array {
  const cells = column(t, name);
  const out = new Float64Array(cells.length);
  for (let r = 0; r < cells.length; r++) {
    const v = cells[r] === '' ? NaN : Number(cells[r]);
    if (!Number.isFinite(v)) throw dataError(t.loc.cell(r, name), 'a finite number', cells[r]);
    out[r] = v;
  }
  return out;
}
