// src/artifacts/ — `sgfd graphs`: a configuration's training graphs as ONNX artifacts with artifact.json.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { artifactSettings } from './settings.ts';
export { RUN_GRAPHS_DIR, saveRunGraphs, writeArtifacts } from './write.ts';
