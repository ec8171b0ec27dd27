// A tiny multimodal dataset shared by the hand-checked backbone loss tests: 2 users, 3 items, one
// 2-d modality, interactions (0,0) (0,1) (1,1) (1,2), all in train.
import { makeDataset } from '../../src/data/dataset.ts';

export const [U, I, D] = [2, 3, 2];
export const edges: [number, number][] = [[0, 0], [0, 1], [1, 1], [1, 2]];
export const image = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]);
export const tinyDataset = makeDataset({
  nUsers: U, nItems: I, labels: null, nLabels: 0, labelNames: null,
  interactions: { user: Int32Array.from(edges, (e) => e[0]), item: Int32Array.from(edges, (e) => e[1]), split: new Int8Array(edges.length), timestamp: null },
  modalities: [{ name: 'image', dim: D, data: image }],
  meta: { name: 'tiny', source: 'test', created: null, synthetic: true, notes: {} },
});
