// Early stopping on a validation metric: the best value so far, its epoch and parameters, and the
// epochs since it. Patience counts only from `minEpochs` on (BM3 sits on a validation plateau before
// its real peak); the best parameters are kept either way, so the rule costs epochs, never quality.

export interface BestSoFar { value: number; epoch: number; since: number; values: Map<string, Float32Array> | null }

export class EarlyStopping {
  best: BestSoFar;
  constructor(private readonly patience: number, private readonly minEpochs = 0, best?: BestSoFar) {
    this.best = best ?? { value: -Infinity, epoch: 0, since: 0, values: null };
  }

  /** A validation result at `epoch`; `values()` is asked for (and copied) only when it is a new best. */
  observe(epoch: number, value: number, values: () => Map<string, Float32Array>): boolean {
    if (value > this.best.value) {
      this.best = { value, epoch, since: 0, values: new Map([...values()].map(([k, a]) => [k, a.slice()])) };
      return true;
    }
    this.best.since = epoch - this.best.epoch;
    return false;
  }

  /** An epoch that was not validated still counts towards patience. */
  unvalidated(epoch: number): void {
    this.best.since = epoch - this.best.epoch;
  }

  /** True once patience has run out after `minEpochs` epochs. */
  stop(epoch: number): boolean {
    return epoch >= this.minEpochs && this.best.since >= this.patience;
  }

  /** "best recall@20 0.1234", or '' before the first validation. */
  describe(metric: string): string {
    return Number.isFinite(this.best.value) ? `best ${metric} ${this.best.value.toFixed(4)}` : '';
  }
}
