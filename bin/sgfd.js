#!/usr/bin/env node
// Entry point: the compiled build in dist/ when it is current (bin/build-stamp.js), else the
// TypeScript sources through tsx's loader (≈ 65 MB more per process). SGFD_LOADER=tsx forces the
// sources.
import { currentBuild } from './build-stamp.js';

const build = process.env.SGFD_LOADER === 'tsx' ? null : currentBuild();
let cli;
if (build) {
  cli = await import(build.cli);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.main(process.argv.slice(2));
