// The contract of a backbone's cold-start rule: how a brand-new item — raw modality features, no ID
// embedding, no interactions — gets the row the backbone scores with. The item extractor maps raw
// features to per-modality features f_m; the backbone's rule (its optional `coldStart` method, next
// to its model) turns them into `item_embedding`. Export (serve/cold-start.ts) builds student.onnx
// from the two.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Binder } from '../nn/index.ts';

export interface ColdStartRule {
  /** What the rule computes, for the model card and the ONNX doc_string. */
  description: string;
  /** item_embedding [batch, item row width] from the extractor's per-modality features, each [batch, d]. */
  combine(b: Binder, features: Value[]): Value;
}

/** Thrown (one line) when a run cannot be exported with a cold-start student. */
export class ColdStartUnsupported extends Error {}

/** Element-wise mean of the per-modality features. */
export const meanOfFeatures = (xs: Value[]): Value => (xs.length === 1 ? xs[0] : G.mul(G.sumAll(xs), 1 / xs.length));
