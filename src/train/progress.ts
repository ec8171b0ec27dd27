// Progress on a terminal: one rewritten line with epoch, batch, loss terms, validation metric, ETA.
// Silent when stderr is not a TTY or when quiet (log.jsonl is the structured record).

export class Progress {
  private readonly live: boolean;
  private started = Date.now();
  constructor(quiet: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.live = !quiet && !!stream.isTTY;
  }
  startEpoch(): void { this.started = Date.now(); }
  batch(epoch: number, epochs: number, done: number, total: number, loss: number, metric: string): void {
    if (!this.live) return;
    const frac = done / total;
    const bar = '='.repeat(Math.round(frac * 20)).padEnd(20);
    const eta = frac > 0 ? ((Date.now() - this.started) / 1000) * (1 / frac - 1) : 0;
    this.stream.write(`\repoch ${epoch}/${epochs} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% loss ${loss.toFixed(4)} ${metric} ETA ${eta.toFixed(0)}s `);
  }
  line(text: string): void {
    if (this.live) this.stream.write(`\r${text}\x1b[K\n`);
  }
}
