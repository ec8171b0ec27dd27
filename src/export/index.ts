// src/export/ — `sgfd export`: a trained run as a self-contained model directory.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { studentGraph } from './cold-start.ts';
export { exportModel } from './export.ts';
