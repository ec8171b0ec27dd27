// Is a modality's stage-1 teacher worth distilling? Its held-out accuracy against the majority-class
// rate of the same held-out items, and what the paper profile's stage 2 does with a modality whose
// teacher has learnt nothing about the categories (by default: not distil it).
//
// The rule: a modality is *informative* when a one-sided exact binomial test rejects "the teacher is
// right no more often than always predicting the most frequent class" at p < USEFULNESS_ALPHA, with
// n = the held-out item count, k = its correct predictions and p0 = the majority-class rate. A fixed
// margin (say 2 points) ignores n: on 120 held-out items the standard error of an accuracy near 20 %
// is 3.7 points, so a pure-noise modality would clear 2 points by luck about a third of the time,
// while on 3,000 items a real 1.5-point edge would be thrown away. The test asks the one question
// that matters — is this better than chance at this sample size — with a known false-alarm rate.

export const USEFULNESS_ALPHA = 0.05;
export const USEFULNESS_RULE = `one-sided exact binomial test of held-out accuracy against the held-out majority-class rate, informative when p < ${USEFULNESS_ALPHA}`;

export interface ModalityUsefulness {
  accuracy: number;
  /** Majority-class rate of the held-out items (the accuracy of always predicting the most frequent class). */
  majority: number;
  /** Held-out items the accuracy was measured on. */
  n: number;
  /** P(X ≥ correct) for X ~ Binomial(n, majority); null when nothing was held out. */
  p: number | null;
  informative: boolean;
}

/** Binomial pmf ratios walked away from `start` (where they shrink) until negligible: Σ pmf(i) / pmf(start). */
function relativeSum(start: number, n: number, p: number, up: boolean): number {
  let rel = 1;
  let sum = 1;
  for (let i = start; up ? i < n : i > 0; i += up ? 1 : -1) {
    rel *= up ? ((n - i) / (i + 1)) * (p / (1 - p)) : (i / (n - i + 1)) * ((1 - p) / p);
    sum += rel;
    if (rel < 1e-17 * sum) break;
  }
  return sum;
}

function logPmf(k: number, n: number, p: number): number {
  let lnC = 0;
  for (let i = 1; i <= k; i++) lnC += Math.log((n - k + i) / i);
  return lnC + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X ≥ k) for X ~ Binomial(n, p), exact (summed in log-safe steps from the side where terms shrink). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  // Above the mean the pmf falls from k upwards; below it, P(X ≥ k) = 1 − P(X ≤ k − 1), whose pmf falls downwards.
  if (k > n * p) return Math.min(1, Math.exp(logPmf(k, n, p) + Math.log(relativeSum(k, n, p, true))));
  return Math.max(0, 1 - Math.exp(logPmf(k - 1, n, p) + Math.log(relativeSum(k - 1, n, p, false))));
}

/** The rule above for every modality of a stage-1 accuracy report. */
export function modalityUsefulness(accuracy: { modalities: Record<string, number>; chance: number }, heldOut: number): Record<string, ModalityUsefulness> {
  return Object.fromEntries(Object.entries(accuracy.modalities).map(([m, acc]) => {
    if (!(heldOut > 0) || !Number.isFinite(acc)) {
      // Nothing held out: usefulness cannot be measured, so the modality is distilled as the paper does.
      return [m, { accuracy: acc, majority: accuracy.chance, n: heldOut, p: null, informative: true }];
    }
    const p = binomialUpperTail(Math.round(acc * heldOut), heldOut, accuracy.chance);
    return [m, { accuracy: acc, majority: accuracy.chance, n: heldOut, p, informative: p < USEFULNESS_ALPHA }];
  }));
}

export interface DistillDecision {
  /** Modalities whose LD/FD terms stage 2 keeps. */
  distilled: string[];
  /** Modalities judged uninformative (distilled anyway when `forced`). */
  uninformative: string[];
  forced: boolean;
  rule: string;
}

/** Which modalities stage 2 distils: the informative ones, or all of them with `force` (sgfd.distillUninformative). */
export function distillDecision(usefulness: Record<string, ModalityUsefulness>, force: boolean): DistillDecision {
  const names = Object.keys(usefulness);
  const uninformative = names.filter((m) => !usefulness[m].informative);
  return { distilled: force ? names : names.filter((m) => usefulness[m].informative), uninformative, forced: force && uninformative.length > 0, rule: USEFULNESS_RULE };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line per uninformative modality, naming its accuracy, the majority rate and what stage 2 does about it. */
export function usefulnessWarnings(usefulness: Record<string, ModalityUsefulness>, d: DistillDecision): string[] {
  const lines = d.uninformative.map((m) => {
    const u = usefulness[m];
    const what = d.forced ? 'distilled anyway (sgfd.distillUninformative=true)' : 'not distilled: its LD/FD terms are dropped (set sgfd.distillUninformative=true to distil it anyway)';
    return `warning: stage 1: modality '${m}' is uninformative — teacher held-out accuracy ${pct(u.accuracy)} vs majority-class rate ${pct(u.majority)} on ${u.n} items (binomial p = ${u.p!.toPrecision(2)}); ${what}`;
  });
  if (!d.distilled.length) lines.push('warning: stage 1: no modality is distilled (every teacher is uninformative): the students learn from the backbone\'s loss alone');
  return lines;
}
