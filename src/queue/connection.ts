// Connecting to the queue's Redis with bounded patience: a few attempts at startup, then a clear
// one-line error (no stack trace, no endless reconnect loop); once connected, a longer but still
// bounded budget for reconnects (a Redis restart), after which `onLost` says the queue is gone.
// Every message goes through the address's redaction, so a password never shows.
import { Redis } from 'ioredis';
import type { QueueTarget } from './queue-url.ts';

/** A queue that cannot be reached (or refuses us): the message is one printable line. */
export class QueueConnectionError extends Error {}

export interface ConnectOptions {
  /** Connection attempts before giving up at startup (default 3). */
  attempts?: number;
  /** Reconnect attempts after the connection is lost, before `onLost` (default 20, about a minute). */
  reconnects?: number;
  /** Called once when a connection that was up is gone for good. */
  onLost?: (why: string) => void;
}

const delayMs = (attempt: number) => Math.min(200 * 2 ** attempt, 4000);

/** Clients closed on purpose: their end is no loss. */
const closing = new WeakSet<Redis>();

/**
 * Why a connection failed, in words. ioredis errors name the address, never the password; what
 * comes from the library is redacted all the same (our own words are not, so a short password
 * cannot garble them).
 */
export function connectionReason(e: unknown, redact: (text: string) => string): string {
  const err = (e ?? new Error('connection closed')) as NodeJS.ErrnoException & { errors?: Error[] };
  const code = err.code ?? (err.errors?.[0] as NodeJS.ErrnoException | undefined)?.code;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(err.message)) return 'authentication failed (wrong or missing password)';
  return redact(code ? `${code}` : err.message.split('\n')[0]);
}

/**
 * An ioredis client connected to `target` (maxRetriesPerRequest null, as BullMQ's blocking
 * connections require). Rejects with a QueueConnectionError once `attempts` connections failed.
 */
export async function connectQueue(target: QueueTarget, o: ConnectOptions = {}): Promise<Redis> {
  const attempts = o.attempts ?? 3;
  let budget = attempts;
  let lastError: unknown = null;
  const client = new Redis({
    ...target.redis,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: 3000,
    // Retries are counted from the last successful connection; null ends the client ('end').
    retryStrategy: (times) => (times >= budget ? null : delayMs(times)),
    reconnectOnError: () => false,
  });
  client.on('error', (e) => { lastError = e; });
  await new Promise<void>((resolve, reject) => {
    const ready = () => { client.off('end', end); resolve(); };
    const end = () => {
      client.off('ready', ready);
      const tries = `${attempts} attempt${attempts > 1 ? 's' : ''}`;
      reject(new QueueConnectionError(`cannot connect to the queue at ${target.shown}: ${connectionReason(lastError, target.redact)} (${tries})`));
    };
    client.once('ready', ready);
    client.once('end', end);
    client.connect().catch((e) => { lastError = e; });
  });
  // A wrong password can leave the socket up but every command refused: ask once to be sure.
  try { await client.ping(); } catch (e) {
    closing.add(client);
    client.disconnect();
    throw new QueueConnectionError(`cannot use the queue at ${target.shown}: ${connectionReason(e, target.redact)}`);
  }
  budget = o.reconnects ?? 20;
  client.on('end', () => {
    if (!closing.has(client)) o.onLost?.(`lost the queue at ${target.shown}: ${connectionReason(lastError, target.redact)}`);
  });
  return client;
}

/** Closes a client, quietly (QUIT when possible, else a hard disconnect). */
export async function closeQuietly(client: Redis): Promise<void> {
  closing.add(client);
  if (client.status === 'end') return;
  try { await client.quit(); } catch { client.disconnect(); }
}
