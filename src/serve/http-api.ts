// Request checking for the HTTP API: every malformed request becomes an HttpError with a 4xx status
// and a one-line message naming the parameter or field and what was expected.
import { type ModelStore } from './model-store.ts';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface ServeLimits {
  /** Largest k a request may ask for. */
  maxK: number;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  /** Largest |value| of a raw feature POST /v1/items accepts (features are normalised or modest raw values). */
  maxFeatureAbs: number;
}

export const DEFAULT_LIMITS: ServeLimits = { maxK: 100, maxBodyBytes: 1 << 20, maxFeatureAbs: 1e6 };
export const DEFAULT_K = 20;
const MAX_ID_LENGTH = 256;

export interface RecommendQuery { user: number; userId: string; k: number; excludeSeen: boolean }

/** GET /v1/recommend?user=<id>&k=<n>&exclude_seen=<bool>. */
export function parseRecommendQuery(params: URLSearchParams, store: ModelStore, limits: ServeLimits): RecommendQuery {
  for (const key of new Set(params.keys())) {
    if (!['user', 'k', 'exclude_seen'].includes(key)) throw new HttpError(400, `unknown query parameter '${key}': expected user, k, exclude_seen`);
    if (params.getAll(key).length > 1) throw new HttpError(400, `query parameter '${key}' is given more than once`);
  }
  const userId = params.get('user');
  if (userId === null || userId === '') throw new HttpError(400, 'query parameter \'user\' is required (a user id)');
  const maxK = Math.min(limits.maxK, store.itemCount);
  const kText = params.get('k');
  const k = kText === null ? Math.min(DEFAULT_K, maxK) : /^\d{1,9}$/.test(kText) ? Number(kText) : NaN;
  if (!(k >= 1 && k <= maxK)) throw new HttpError(400, `query parameter 'k': expected an integer in [1, ${maxK}], got '${kText}'`);
  const flag = params.get('exclude_seen');
  const bools: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };
  if (flag !== null && !(flag in bools)) throw new HttpError(400, `query parameter 'exclude_seen': expected true or false, got '${flag}'`);
  const user = store.userIndex(userId);
  if (user === undefined) throw new HttpError(404, `unknown user '${userId}'`);
  return { user, userId, k, excludeSeen: flag === null ? false : bools[flag] };
}

export interface NewItem { id: string; features: Record<string, Float32Array> }

/** POST /v1/items body: {"id": string | integer, "<modality>": [D_m finite numbers within ±maxFeatureAbs], …}. */
export function parseNewItem(body: unknown, store: ModelStore, maxFeatureAbs = DEFAULT_LIMITS.maxFeatureAbs): NewItem {
  if (!store.card.cold_start.supported) throw new HttpError(501, `this model cannot embed new items: ${store.card.cold_start.reason}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body: expected a JSON object {"id": …, "<modality>": [numbers…]}');
  const fields = body as Record<string, unknown>;
  const dims = store.card.dims.modalities;
  for (const key of Object.keys(fields)) {
    if (key !== 'id' && !(key in dims)) throw new HttpError(400, `body: unknown field '${key}': expected id, ${Object.keys(dims).join(', ')}`);
  }
  const raw = fields.id;
  if (!(typeof raw === 'string' && raw.length > 0 && raw.length <= MAX_ID_LENGTH) && !(typeof raw === 'number' && Number.isSafeInteger(raw))) {
    throw new HttpError(400, `body: field 'id': expected a non-empty string (≤ ${MAX_ID_LENGTH} characters) or an integer, got ${JSON.stringify(raw) ?? 'nothing'}`);
  }
  const id = String(raw);
  if (store.hasItem(id)) throw new HttpError(409, `item '${id}' exists`);
  const features: Record<string, Float32Array> = {};
  for (const [m, d] of Object.entries(dims)) {
    const v = fields[m];
    if (!Array.isArray(v)) throw new HttpError(400, `body: field '${m}': expected an array of ${d} numbers, got ${v === undefined ? 'nothing' : typeof v}`);
    if (v.length !== d) throw new HttpError(400, `body: field '${m}': expected ${d} numbers, got ${v.length}`);
    const x = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const n = v[j];
      if (typeof n !== 'number' || !Number.isFinite(n) || !Number.isFinite(Math.fround(n))) {
        throw new HttpError(400, `body: field '${m}', element ${j}: expected a finite float32, got ${typeof n === 'number' ? String(n) : JSON.stringify(n) ?? 'nothing'}`);
      }
      if (Math.abs(n) > maxFeatureAbs) {
        throw new HttpError(400, `body: field '${m}', element ${j}: expected a value within ±${maxFeatureAbs} (sgfd serve --max-feature-abs), got ${n}`);
      }
      x[j] = n;
    }
    features[m] = x;
  }
  return { id, features };
}

/**
 * The student's embedding of a new item, checked before anything is stored: a non-finite or
 * overflowing row (features far outside what the model was trained on) is a 400, not a stored row.
 */
export function checkNewEmbedding(id: string, embedding: Float32Array, problem: (row: Float32Array) => string | null): void {
  const why = problem(embedding);
  if (why) throw new HttpError(400, `body: the student's embedding of item '${id}' cannot be stored (${why}): its features are outside what the model can embed; nothing was stored`);
}
