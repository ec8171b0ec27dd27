// src/serve/ — `sgfd serve`: the HTTP endpoint over a model directory.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { DEFAULT_LIMITS } from './http-api.ts';
export { startServer } from './http-server.ts';
