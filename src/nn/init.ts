// Parameter initialisers driven by a seeded random source (src/data/rng.ts's Rng fits).

export interface RandomSource { nextFloat(): number; normal(): number }

/** Fills a fresh array of `shape` (fan-in = shape[0], fan-out = shape[1] for 2-D weights [in, out]). */
export type Init = (shape: number[], rng: RandomSource) => Float32Array;

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
function fans(shape: number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = numel(shape.slice(2));
  return [shape[0] * receptive, shape[1] * receptive];
}
function uniform(shape: number[], rng: RandomSource, bound: number): Float32Array {
  const a = new Float32Array(numel(shape));
  for (let i = 0; i < a.length; i++) a[i] = (2 * rng.nextFloat() - 1) * bound;
  return a;
}
function gaussian(shape: number[], rng: RandomSource, std: number): Float32Array {
  const a = new Float32Array(numel(shape));
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
  return a;
}

export const init = {
  zeros: (): Init => (shape) => new Float32Array(numel(shape)),
  constant: (v: number): Init => (shape) => new Float32Array(numel(shape)).fill(v),
  normal: (std = 1): Init => (shape, rng) => gaussian(shape, rng, std),
  uniform: (bound: number): Init => (shape, rng) => uniform(shape, rng, bound),
  xavierUniform: (gain = 1): Init => (shape, rng) => {
    const [fi, fo] = fans(shape);
    return uniform(shape, rng, gain * Math.sqrt(6 / (fi + fo)));
  },
  xavierNormal: (gain = 1): Init => (shape, rng) => {
    const [fi, fo] = fans(shape);
    return gaussian(shape, rng, gain * Math.sqrt(2 / (fi + fo)));
  },
  /** He initialisation for ReLU layers (fan-in mode). */
  kaimingNormal: (): Init => (shape, rng) => gaussian(shape, rng, Math.sqrt(2 / fans(shape)[0])),
  kaimingUniform: (): Init => (shape, rng) => uniform(shape, rng, Math.sqrt(6 / fans(shape)[0])),
  /** PyTorch's nn.Linear default: U(±1/√fan_in) for weight and bias (`fanIn` given for biases). */
  torchLinear: (fanIn?: number): Init => (shape, rng) => uniform(shape, rng, 1 / Math.sqrt(fanIn ?? fans(shape)[0])),
};
