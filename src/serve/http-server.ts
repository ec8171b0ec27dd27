// `sgfd serve`: the HTTP recommendation endpoint over an exported model directory (node:http).
//   GET  /healthz                                  liveness and sizes
//   GET  /v1/model                                 the model card (+ live item counts)
//   GET  /v1/recommend?user=<id>&k=20&exclude_seen=true
//   POST /v1/items {"id": …, "<modality>": [floats…]}   embed a new item with the student (cold start)
// Errors are JSON {"error": "<one line>"} with a 4xx status (5xx only for faults of the server).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ModelStore } from './model-store.ts';
import { Recommender } from './recommender.ts';
import { HttpError, parseNewItem, parseRecommendQuery, checkNewEmbedding, DEFAULT_LIMITS, type ServeLimits } from './http-api.ts';
import { embeddingProblem, type ServeWarn } from '../model/index.ts';
import { publicJson, publicMessage } from './public-paths.ts';

export interface ServeOptions extends Partial<ServeLimits> {
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  threads?: number;
  /** How long shutdown waits for in-flight requests before cutting connections, ms. */
  graceMs?: number;
  /** Operator notices (quarantined added items, internal errors in full); default: stderr. */
  warn?: ServeWarn;
}

export interface RunningServer {
  url: string;
  store: ModelStore;
  recommender: Recommender;
  /** Stops accepting, finishes in-flight requests (up to graceMs), releases the sessions. */
  close(): Promise<void>;
}

const ROUTES: Record<string, string[]> = { '/healthz': ['GET'], '/v1/model': ['GET'], '/v1/recommend': ['GET'], '/v1/items': ['POST'] };

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const warn: ServeWarn = o.warn ?? ((m) => process.stderr.write(`sgfd: warning: ${m}\n`));
  const store = await ModelStore.open(o.model, o.threads, warn);
  const recommender = new Recommender(store);
  const limits: ServeLimits = {
    maxK: o.maxK ?? DEFAULT_LIMITS.maxK, maxBodyBytes: o.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes, maxFeatureAbs: o.maxFeatureAbs ?? DEFAULT_LIMITS.maxFeatureAbs,
  };
  // The card as the API shows it: file-system paths relative to the model directory, or only their last component.
  const publicCard = publicJson(store.card, o.model);
  let closing = false;

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const allowed = ROUTES[url.pathname];
    if (!allowed) throw new HttpError(404, `no route ${url.pathname}: expected one of ${Object.keys(ROUTES).join(', ')}`);
    if (!allowed.includes(req.method ?? '')) throw new HttpError(405, `${req.method} ${url.pathname}: use ${allowed.join(', ')}`);
    switch (url.pathname) {
      case '/healthz': return [200, { status: closing ? 'stopping' : 'ok', users: store.card.dims.users, items: store.itemCount, added_items: store.addedCount, pending: recommender.pending }];
      case '/v1/model': return [200, { ...publicCard, live: { items: store.itemCount, added_items: store.addedCount } }];
      case '/v1/recommend': {
        const q = parseRecommendQuery(url.searchParams, store, limits);
        const items = await recommender.recommend(q.user, q.k, q.excludeSeen);
        return [200, { user: q.userId, k: q.k, exclude_seen: q.excludeSeen, items }];
      }
      default: {
        const item = parseNewItem(await readJson(req, limits.maxBodyBytes), store, limits.maxFeatureAbs);
        const embedding = await store.embed(item.features);
        checkNewEmbedding(item.id, embedding, embeddingProblem);
        if (store.hasItem(item.id)) throw new HttpError(409, `item '${item.id}' exists`); // added meanwhile
        const index = store.addItem(item.id, embedding);
        return [201, { id: item.id, index, items: store.itemCount }];
      }
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (closing) res.setHeader('connection', 'close');
    route(req, url).then(([status, body]) => send(res, status, body), (e: unknown) => {
      if (e instanceof HttpError) {
        if (e.status === 405) res.setHeader('allow', ROUTES[url.pathname].join(', '));
        if (e.status === 413) res.setHeader('connection', 'close');
        send(res, e.status, { error: e.message });
      } else {
        const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
        warn(`${req.method} ${url.pathname}: internal error: ${message}`);
        send(res, 500, { error: `internal error: ${publicMessage(message, o.model)}` });
      }
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  return {
    url: `http://${host}:${addr.port}`,
    store,
    recommender,
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), o.graceMs ?? 10_000);
      await closed;
      clearTimeout(timer);
      await store.close();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The request body as JSON: 415 unless JSON, 413 past `limit` bytes, 400 when it does not parse. */
async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, `content-type: expected application/json, got '${type || 'nothing'}'`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new HttpError(413, `body: at most ${limit} bytes, content-length says ${declared}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `body: at most ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `body: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}
