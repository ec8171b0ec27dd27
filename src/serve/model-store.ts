// An exported model directory opened for serving: the users and their seen items, the item matrix
// (trained items, then items added at run time), the scorer and the cold-start student. User rows
// and item rows have their own widths (model.json dims.user_embedding, dims.embedding): pairwise
// scorers (MAML, NeuMF) store more per item than per user. Items
// added through the API are persisted to added_items.arrow (temp file + rename) before they are
// acknowledged, and read back on the next start (a stored row that cannot be served is quarantined
// with a warning, never a reason not to start: added-items.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, tensor, type Feeds, type ort } from '../runtime/index.ts';
import { type Csr } from '../data/index.ts';
import { embeddingsBytes, readEmbeddings, readSeen, MODEL_FILES, type EmbeddingTable } from '../model/index.ts';
import { readModelCard, userDim, bytesPerPair, type ModelCard } from '../model/index.ts';
import { STUDENT_IO } from '../model/index.ts';
import { ScorerSession } from '../model/index.ts';
import { verifyModelDir, openOnnx } from '../model/index.ts';
import { embeddingProblem, loadAddedItems, type ServeWarn } from '../model/index.ts';
import { writeFileAtomic } from '../data/index.ts';

export class ModelStore {
  /** Item matrix [capacity × itemDim]; rows [0, itemCount) are live. */
  private matrix: Float32Array;
  private readonly itemIds: string[];
  private readonly itemRow: Map<string, number>;
  private readonly userRow: Map<string, number>;

  private constructor(
    readonly dir: string,
    readonly card: ModelCard,
    readonly users: EmbeddingTable,
    readonly seen: Csr,
    trained: EmbeddingTable,
    private readonly added: EmbeddingTable,
    readonly scorer: ScorerSession,
    private readonly student: ort.InferenceSession | null,
  ) {
    const dim = card.dims.embedding;
    this.itemIds = [...trained.ids, ...added.ids];
    this.matrix = new Float32Array(Math.max(16, this.itemIds.length * 2) * dim);
    this.matrix.set(trained.data);
    this.matrix.set(added.data, trained.data.length);
    this.itemRow = new Map(this.itemIds.map((id, r) => [id, r]));
    this.userRow = new Map(users.ids.map((id, r) => [id, r]));
    if (this.itemRow.size !== this.itemIds.length) throw new Error(`${join(dir, MODEL_FILES.added)}: an added item reuses a trained item's id`);
  }

  /** `warn` receives notices about added items that cannot be served (quarantined, see added-items.ts). */
  static async open(dir: string, threads?: number, warn: ServeWarn = (m) => process.stderr.write(`sgfd: warning: ${m}\n`)): Promise<ModelStore> {
    verifyModelDir(dir, warn); // sizes and SHA-256 of every exported file (manifest.json), before anything is read
    const card = readModelCard(dir);
    const dim = card.dims.embedding;
    const table = (file: string) => readEmbeddings(join(dir, file), join(dir, file), dim);
    const users = readEmbeddings(join(dir, MODEL_FILES.users), join(dir, MODEL_FILES.users), userDim(card), card.dims.user_embedding ? 'dims.user_embedding' : 'dims.embedding');
    const trained = table(MODEL_FILES.items);
    if (users.ids.length !== card.dims.users) throw new Error(`${join(dir, MODEL_FILES.users)}: ${users.ids.length} rows, model.json dims.users says ${card.dims.users}`);
    if (trained.ids.length !== card.dims.items) throw new Error(`${join(dir, MODEL_FILES.items)}: ${trained.ids.length} rows, model.json dims.items says ${card.dims.items}`);
    const added = loadAddedItems(dir, dim, trained.ids, warn);
    const seen = readSeen(join(dir, MODEL_FILES.seen), join(dir, MODEL_FILES.seen), card.dims.users, card.dims.items);
    const options = threads === undefined ? {} : { threads };
    const shape = { userDim: userDim(card), itemDim: dim, bytesPerPair: bytesPerPair(card) };
    const scorer = await openOnnx(join(dir, MODEL_FILES.scorer), (bytes) => ScorerSession.create(bytes, shape, threads));
    const student = card.cold_start.supported ? await openOnnx(join(dir, MODEL_FILES.student), (bytes) => createSession(bytes, options)) : null;
    return new ModelStore(dir, card, users, seen, trained, added, scorer, student);
  }

  /** Width of an item row (the item matrix, student.onnx's output). */
  get itemDim(): number { return this.card.dims.embedding; }
  /** Width of a user row. */
  get userDim(): number { return userDim(this.card); }
  get itemCount(): number { return this.itemIds.length; }
  get addedCount(): number { return this.added.ids.length; }
  /** The live item matrix (rows beyond itemCount are spare capacity). */
  get items(): Float32Array { return this.matrix; }
  userIndex(id: string): number | undefined { return this.userRow.get(id); }
  hasItem(id: string): boolean { return this.itemRow.has(id); }
  itemId(row: number): string { return this.itemIds[row]; }

  /** The user's row (a view). */
  userEmbedding(row: number): Float32Array { return this.users.data.subarray(row * this.userDim, (row + 1) * this.userDim); }

  /** item_embedding of a new item from its raw features (one Float32Array per modality, checked by the caller). */
  async embed(features: Record<string, Float32Array>): Promise<Float32Array> {
    if (!this.student) throw new Error('this model has no cold-start student');
    const feeds: Feeds = {};
    for (const [m, d] of Object.entries(this.card.dims.modalities)) feeds[STUDENT_IO.features(m)] = tensor(features[m], [1, d]);
    return (await this.student.run(feeds))[STUDENT_IO.itemEmbedding].data as Float32Array;
  }

  /** Makes `embedding` recommendable as item `id`: persisted first, then live. Returns its row. */
  addItem(id: string, embedding: Float32Array): number {
    if (this.itemRow.has(id)) throw new Error(`item '${id}' exists`);
    const dim = this.itemDim;
    if (embedding.length !== dim) throw new RangeError(`item '${id}': ${embedding.length} values, the item rows are ${dim} wide`);
    const problem = embeddingProblem(embedding);
    if (problem) throw new RangeError(`item '${id}': its embedding cannot be stored (${problem})`);
    const data = new Float32Array(this.added.data.length + dim);
    data.set(this.added.data);
    data.set(embedding, this.added.data.length);
    writeFileAtomic(join(this.dir, MODEL_FILES.added), embeddingsBytes({ ids: [...this.added.ids, id], data, dim }, 'added item'));
    this.added.ids.push(id);
    this.added.data = data;
    const row = this.itemIds.length;
    if ((row + 1) * dim > this.matrix.length) {
      const grown = new Float32Array(this.matrix.length * 2);
      grown.set(this.matrix);
      this.matrix = grown;
    }
    this.matrix.set(embedding, row * dim);
    this.itemIds.push(id);
    this.itemRow.set(id, row);
    return row;
  }

  async close(): Promise<void> {
    await this.scorer.release();
    await this.student?.release();
  }
}
