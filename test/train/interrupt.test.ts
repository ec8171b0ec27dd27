// Ctrl-C during `sgfd train` (issue 13, item 13): one line saying how to resume — the same command
// with --resume — then the process ends by SIGINT (exit status 130 in a shell, as before), with the
// last checkpoint (the first epoch's, then at most 10 epochs or ~10 s old) left in place.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { tempDir } from '../data/helpers.ts';

const bin = fileURLToPath(new URL('../../bin/sgfd.js', import.meta.url));

test('SIGINT during sgfd train ends it (status 130) with the --resume command; the checkpoint is kept', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  await writeDataset(data, generateSynthetic({ users: 80, items: 70, categories: 3, density: 0.08, imageDim: 6, textDim: 4, seed: 5 }));
  const out = join(root, 'run');
  const args = ['train', '--data', data, '--backbone', 'lightgcn', '--epochs', '500', '--patience', '500', '--set', 'embedding_dim=8', '--threads', '1', '--out', out];
  // Through a shell, which reports the exit status a user sees ($?): 130 for death by SIGINT.
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `${quoted}; echo "status $?" >&2`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const log = join(out, 'log.jsonl');
  // Wait (without a deadline: the machine may be busy) until an epoch is logged, then interrupt.
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('\n')) && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  assert.equal(child.exitCode, null, `training ended before it was interrupted: ${stderr}`);
  const sgfdPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
  process.kill(sgfdPid, 'SIGINT');
  const { code } = await exited;
  assert.equal(code, 0, stderr);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.at(-1), 'status 130', stderr);
  assert.equal(lines.at(-2), `sgfd: interrupted (SIGINT); ${out} keeps its last checkpoint (checkpoint/, at most 10 epochs or ~10 s old); resume with: sgfd ${args.join(' ')} --resume`);
  assert.ok(existsSync(join(out, 'checkpoint')), 'the checkpoint is there to resume from');
});
