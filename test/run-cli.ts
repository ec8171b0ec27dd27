// Runs the CLI as a user would (bin/sgfd.js in a child process) and hands back the exit code and
// the whole stdout and stderr; `uid` runs it as another user (tests of permission errors).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SGFD_BIN = fileURLToPath(new URL('../bin/sgfd.js', import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function sgfd(args: string[], uid?: number): Promise<CliResult> {
  const child = spawn(process.execPath, [SGFD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(uid === undefined ? {} : { uid, gid: uid }) });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => { out.stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out.stderr += b.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...out }));
  });
}
