// Errors about data are for people: one line naming the file, the column/field, the row and
// what was expected. Every check in src/data throws a DataError built by these helpers.

export class DataError extends Error {
  override name = 'DataError';
}

/**
 * Names a place in a tabular source. `cell(row, column)` renders "file: line 7, column itemID"
 * for text files or "items.arrow: column image, row 3" for Arrow files; rows are 0-based data
 * rows (the locator turns them into whatever a person can find in the file).
 */
export interface Locator {
  /** The file (or files) this locator describes, for messages about the whole file. */
  readonly file: string;
  cell(row: number, column: string): string;
}

/** Locator for Arrow tables (and other 0-based row stores). */
export function rowLocator(file: string): Locator {
  return { file, cell: (row, column) => `${file}: column ${column}, row ${row}` };
}

/** Locator for text tables: data row r is at line lineOf(r) (1-based, header counted). */
export function lineLocator(file: string, lineOf: (row: number) => number): Locator {
  return { file, cell: (row, column) => `${file}: line ${lineOf(row)}, column ${column}` };
}

/** Locator for rows concatenated from several sources, in order. */
export function concatLocator(parts: { locator: Locator; rows: number }[]): Locator {
  return {
    file: parts.map((p) => p.locator.file).join(' + '),
    cell(row, column) {
      let r = row;
      for (const p of parts) {
        if (r < p.rows) return p.locator.cell(r, column);
        r -= p.rows;
      }
      return `${parts.map((p) => p.locator.file).join(' + ')}: column ${column}, row ${row}`;
    },
  };
}

/** "<where>: expected <expected>[, got <got>]" as a DataError. */
export function dataError(where: string, expected: string, got?: unknown): DataError {
  const tail = got === undefined ? '' : `, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`;
  return new DataError(`${where}: expected ${expected}${tail}`);
}

/** Receives non-fatal notices (dropped duplicates, truncated feature rows, ...). */
export type Warn = (message: string) => void;
