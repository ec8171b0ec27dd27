// Ctrl-C (SIGINT) or SIGTERM during a long command: one line saying how to carry on, then the signal's
// default action, so the shell sees the conventional 130 / 143 (re-raising the signal rather than
// calling process.exit, which can abort inside ONNX Runtime while a worker thread is mid-run). Files
// are written atomically (temp + rename), so an interrupted run leaves its last complete checkpoint.

/** The command line as typed (`sgfd …`), arguments quoted where the shell needs it. */
export function commandLine(args: readonly string[] = process.argv.slice(2)): string {
  return ['sgfd', ...args.map((s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`))].join(' ');
}

/** The hint of an interrupted `sgfd train`: the same command with --resume. */
export function trainResumeHint(out: string, args: readonly string[] = process.argv.slice(2)): string {
  const resume = args.includes('--resume') ? args : [...args, '--resume'];
  return `${out} keeps its last checkpoint (checkpoint/, at most 10 epochs or ~10 s old); resume with: ${commandLine(resume)}`;
}

/** From now on, SIGINT / SIGTERM print `sgfd: interrupted (SIGINT); <hint>` and end the process by that signal (exit status 130 / 143). */
export function exitOnInterrupt(hint: () => string): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nsgfd: interrupted (${signal}); ${hint()}\n`); // synchronous for files, TTYs and pipes on Linux
      process.kill(process.pid, signal); // no listener left: the default action ends the process
    });
  }
}
