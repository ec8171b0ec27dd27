// Layers: Linear, MLP, Embedding, plus activation lookup by name.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { Module, Parameter, type Binder, type ParameterOptions } from './module.ts';
import { init, type Init } from './init.ts';

export type Activation = 'none' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid';

export function activate(x: Value, a: Activation, slope = 0.01): Value {
  switch (a) {
    case 'none': return x;
    case 'relu': return G.relu(x);
    case 'leaky_relu': return G.leakyRelu(x, slope);
    case 'tanh': return G.tanh(x);
    case 'sigmoid': return G.sigmoid(x);
  }
}

export interface LinearOptions extends ParameterOptions { bias?: boolean; weightInit?: Init; biasInit?: Init }

/** y = x·W + b with W stored [in, out]. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: LinearOptions = {}) {
    super();
    this.weight = new Parameter([inFeatures, outFeatures], o.weightInit ?? init.xavierUniform(), o);
    this.bias = o.bias === false ? null : new Parameter([outFeatures], o.biasInit ?? init.zeros(), o);
  }
  forward(b: Binder, x: Value): Value {
    const w = b.param(this.weight);
    const bias = this.bias ? b.param(this.bias) : null;
    if (x.rank === 2) return G.gemm(x, w, bias);
    const y = G.matmul(x, w);
    return bias ? G.add(y, bias) : y;
  }
}

export interface MlpOptions extends LinearOptions {
  /** Activation between layers. */
  activation?: Activation;
  /** Activation after the last layer (default none). */
  finalActivation?: Activation;
  slope?: number;
  /**
   * With no activation between layers (`activation: 'none'`), apply the stack as the one Linear it is:
   * W = W1·(W2·(…·Wk)) and c = (…(b1·W2 + b2)·W3 + …) + bk, composed on every run, then x·W + c.
   * Same function and gradients (up to float rounding), fewer flops once a run holds more rows than
   * (cost of composing) / (per-row saving): SGFD's reference teacher 4096 → 1024 → 256 → 128 breaks even
   * at ≈ 145 rows and does 2.2 instead of 9.6 GFLOP forward over a batch's ≈ 1,080 items. Default true;
   * ignored (the layers run one by one) when the stack has an activation or a single layer.
   */
  compose?: boolean;
}

/** A stack of Linear layers over `widths` = [in, h1, …, out]. */
export class MLP extends Module {
  readonly layers: Linear[];
  constructor(readonly widths: number[], readonly o: MlpOptions = {}) {
    super();
    this.layers = widths.slice(1).map((w, i) => new Linear(widths[i], w, o));
  }
  /** True when forward applies the stack as one composed Linear (see MlpOptions.compose). */
  get composes(): boolean {
    const w = this.widths;
    let perRow = 0;
    for (let i = 1; i < w.length; i++) perRow += w[i - 1] * w[i];
    return this.o.compose !== false && (this.o.activation ?? 'relu') === 'none' && this.layers.length > 1 && w[0] * w[w.length - 1] < perRow;
  }
  forward(b: Binder, x: Value): Value {
    if (this.composes) {
      const { weight, bias } = this.composed(b);
      const y = x.rank === 2 ? G.gemm(x, weight, bias) : bias ? G.add(G.matmul(x, weight), bias) : G.matmul(x, weight);
      return activate(y, this.o.finalActivation ?? 'none', this.o.slope);
    }
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(b, h);
      const last = i === this.layers.length - 1;
      h = activate(h, last ? this.o.finalActivation ?? 'none' : this.o.activation ?? 'relu', this.o.slope);
    });
    return h;
  }
  /** The stack's one weight [in, out] (composed right to left: the narrow end first) and bias [1, out]. */
  private composed(b: Binder): { weight: Value; bias: Value | null } {
    const ws = this.layers.map((l) => b.param(l.weight));
    let weight = ws[ws.length - 1];
    for (let i = ws.length - 2; i >= 0; i--) weight = G.gemm(ws[i], weight, null);
    let bias: Value | null = null;
    this.layers.forEach((l, i) => {
      const own = l.bias ? b.param(l.bias) : null;
      if (i > 0 && bias) bias = G.gemm(bias, ws[i], own);
      else if (own) bias = G.unsqueeze(own, [0]);
    });
    return { weight, bias };
  }
}

/** A lookup table [count, dim]; `ids` must carry an index plan (G.indexInput) when trained. */
export class Embedding extends Module {
  readonly weight: Parameter;
  constructor(readonly count: number, readonly dim: number, o: ParameterOptions & { weightInit?: Init } = {}) {
    super();
    this.weight = new Parameter([count, dim], o.weightInit ?? init.xavierUniform(), o);
  }
  forward(b: Binder, ids: Value): Value { return G.gather(b.param(this.weight), ids); }
  table(b: Binder): Value { return b.param(this.weight); }
}
