// A rate progress bar for long batch jobs: done/total, throughput and ETA on one rewritten line.
// Silent unless the stream is a TTY and not quiet.

export class RateProgress {
  private readonly live: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  constructor(private readonly unit: string, quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.live = !quiet && !!stream.isTTY;
  }

  /** Redraws at most ten times a second (and always at the end). */
  update(done: number, total: number): void {
    if (!this.live) return;
    const now = performance.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const frac = total > 0 ? done / total : 1;
    const rate = done / Math.max((now - this.started) / 1000, 1e-9);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const bar = '='.repeat(Math.round(frac * 24)).padEnd(24);
    this.stream.write(`\r[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${this.unit} ${rate.toFixed(0)} ${this.unit}/s ETA ${formatSeconds(eta)}\x1b[K`);
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.live) this.stream.write('\n');
  }

  /** Seconds since the bar started. */
  get seconds(): number { return (performance.now() - this.started) / 1000; }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
