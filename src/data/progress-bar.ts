// The one progress bar of the library: a rewritten terminal line `<prefix> [====    ]  42% <suffix>
// ETA 1m05s`, drawn at most ten times a second (and always at 100 %). Silent unless the stream is a
// TTY and not quiet: structured records (log.jsonl, the score file's metadata) are what stays.

export class ProgressBar {
  readonly live: boolean;
  private started = performance.now();
  private lastDraw = -Infinity;
  constructor(quiet: boolean, private readonly width = 20, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.live = !quiet && !!stream.isTTY;
  }

  /** Starts the clock again (ETA and `seconds` count from here). */
  restart(): void { this.started = performance.now(); this.lastDraw = -Infinity; }

  /** Seconds since the bar started (or restarted). */
  get seconds(): number { return (performance.now() - this.started) / 1000; }

  /** Redraws the bar at `frac` ∈ [0, 1] between `prefix` and `suffix`. */
  draw(prefix: string, frac: number, suffix: string): void {
    if (!this.live) return;
    const now = performance.now();
    if (frac < 1 && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const eta = frac > 0 ? this.seconds * (1 / frac - 1) : 0;
    const bar = '='.repeat(Math.round(frac * this.width)).padEnd(this.width);
    const head = prefix ? `${prefix} ` : '';
    this.stream.write(`\r${head}[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${suffix} ETA ${formatSeconds(eta)}\x1b[K`);
  }

  /** Replaces the bar with a permanent line of text. */
  line(text: string): void {
    if (this.live) this.stream.write(`\r${text}\x1b[K\n`);
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.live) this.stream.write('\n');
  }
}

/** 42s, 3m05s, 1h02m. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
