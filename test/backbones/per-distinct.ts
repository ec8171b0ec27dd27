// Shared check: a backbone whose extractor runs its row-wise networks (vanilla Linear, SGFD's student,
// the joint teacher) once per distinct batch item gives the same loss terms and the same parameters
// after one Adam step as the same backbone evaluated per batch slot (the ids without their plan).
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { type Dataset } from '../../src/data/dataset.ts';
import { type BackboneSpec, type ConfigValue } from '../../src/backbones/index.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { type SgfdConfig } from '../../src/sgfd/config.ts';
import { initialValues } from '../../src/nn/index.ts';
import { Rng } from '../../src/data/rng.ts';

type Forward = (b: unknown, t: unknown, ids: G.Value) => unknown;

/** `spreads`: the backbone consumes the extractor's per-row features (BM3, MAML), so per-item rows are spread back; GRCN takes only the SGFD terms. */
export async function assertPerDistinctMatchesPerSlot(spec: BackboneSpec, ds: Dataset, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, rows: Int32Array, teacher: Float32Array[] | null = null, idsInput = 'items', spreads = true): Promise<void> {
  const deduped = spec.create(ds, cfg, sg, teacher);
  const perSlot = spec.create(ds, cfg, sg, teacher);
  // The per-slot baseline: the extractor sees the ids without their plan (no distinct-id pass).
  // A backbone that also runs its own row-wise work per distinct id (BM3's predictor) does it per row here.
  if ('perDistinctRows' in perSlot) (perSlot as { perDistinctRows: boolean }).perDistinctRows = false;
  const ext = (perSlot.model as unknown as { extractor: { forward: Forward } }).extractor;
  const forward = ext.forward.bind(ext);
  ext.forward = (b, t, ids) => forward(b, t, G.reshape(ids, [-1])); // a reshape carries no index plan
  const compiled = [deduped, perSlot].map((bb) => compileTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer));
  // Serialisation keeps only the derived inputs a graph reads: `<ids>.groups` spreads per-item rows back
  // to the slots; where nothing is spread back (GRCN: ids without a gradient), `<ids>.uniq` — the
  // distinct ids — is read only by work done per distinct id.
  const marker = spreads ? 'groups' : 'uniq';
  const reads = (c: (typeof compiled)[number]) => G.decodeModel(c.bytes!).inputs.map((i) => i.name).includes(`${idsInput}.${marker}`);
  assert.ok(reads(compiled[0]), `the deduplicated graph works per distinct id (reads ${idsInput}.${marker})`);
  assert.ok(!reads(compiled[1]), 'the baseline does not');
  const values = initialValues(deduped.model.namedParameters(), new Rng(9));
  const after: Map<string, Float32Array>[] = [];
  const losses: Record<string, number>[] = [];
  for (const [k, bb] of [deduped, perSlot].entries()) {
    const step = await TrainStep.create(compiled[k], new Map([...values].map(([n, v]) => [n, v.slice()])), bb.optimizer);
    step.setFixedInputs(bb.fixedFeeds());
    losses.push(await step.run(bb.batchFeeds(rows, new Rng(4))));
    after.push(step.values);
    await step.release();
  }
  for (const term of Object.keys(losses[1])) assert.ok(Math.abs(losses[0][term] - losses[1][term]) <= 1e-5 * (1 + Math.abs(losses[1][term])), `${term}: ${losses[0][term]} vs ${losses[1][term]}`);
  for (const [name, v] of after[1]) {
    const w = after[0].get(name)!;
    const worst = v.reduce((m, x, i) => Math.max(m, Math.abs(x - w[i])), 0);
    assert.ok(worst <= 1e-5, `${name} after one Adam step differs by ${worst}`);
  }
}
