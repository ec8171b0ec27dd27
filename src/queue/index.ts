// src/queue/ — the BullMQ job queue: workers, submitter, sharded scoring.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { runInChild } from './job-process.ts';
export { type JobHandler } from './jobs.ts';
export { type QueueTarget } from './queue-url.ts';
export { type SharedMarker, removeMarker, writeMarker } from './shared-storage.ts';
export { JobSubmitter } from './submitter.ts';
