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
}

/** A stack of Linear layers over `widths` = [in, h1, …, out]. */
export class MLP extends Module {
  readonly layers: Linear[];
  constructor(readonly widths: number[], readonly o: MlpOptions = {}) {
    super();
    this.layers = widths.slice(1).map((w, i) => new Linear(widths[i], w, o));
  }
  forward(b: Binder, x: Value): Value {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(b, h);
      const last = i === this.layers.length - 1;
      h = activate(h, last ? this.o.finalActivation ?? 'none' : this.o.activation ?? 'relu', this.o.slope);
    });
    return h;
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
