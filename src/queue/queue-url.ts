// The `--queue` address: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (rediss:// for TLS), read into
// ioredis options and a redacted form for messages. The password may instead come from the
// environment (SGFD_QUEUE_PASSWORD), which keeps it out of `ps`. A password never reaches a log
// line: everything this module's users print goes through `redact`, which also masks it when a
// library echoes it back in an error.
import type { RedisOptions } from 'ioredis';

export const QUEUE_PASSWORD_ENV = 'SGFD_QUEUE_PASSWORD';

export interface QueueTarget {
  /** The address with the password masked (safe to print). */
  shown: string;
  /** ioredis connection options (host, port, db, credentials, TLS). */
  redis: RedisOptions;
  /** Masks every secret of this address in `text`. */
  redact: (text: string) => string;
}

const FORM = 'redis://[:PASSWORD@]HOST:PORT[/DB] (or rediss:// for TLS)';

/** Masks each of `secrets` (and its URL-encoded spelling) in `text`. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap((s) => [s, encodeURIComponent(s)]))]
    .sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((t, s) => t.split(s).join('***'), String(text));
}

/** Reads `--queue`; every error is one line, and never contains the password. */
export function parseQueueUrl(text: string, env: NodeJS.ProcessEnv = process.env): QueueTarget {
  let url: URL;
  try { url = new URL(text); } catch {
    // The text itself may hold a password: show only its scheme.
    throw new Error(`--queue: not a URL; expected ${FORM}`);
  }
  const password = url.password ? decodeURIComponent(url.password) : env[QUEUE_PASSWORD_ENV] ?? '';
  const redact = redactor([password, url.password]);
  const fail = (why: string) => new Error(redact(`--queue ${masked(url)}: ${why}; expected ${FORM}`));
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw fail(`unsupported scheme '${url.protocol.replace(/:$/, '')}'`);
  if (!url.hostname) throw fail('no host');
  const port = url.port ? Number(url.port) : 6379;
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText && !/^\d+$/.test(dbText)) throw fail(`database '${dbText}' is not a number`);
  if (url.search || url.hash) throw fail('query strings and fragments are not supported');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const redis: RedisOptions = {
    host, port, db: dbText ? Number(dbText) : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
  return { shown: masked(url), redis, redact };
}

/** The URL with its password replaced by *** (and nothing else changed). */
function masked(url: URL): string {
  const auth = url.username || url.password ? `${url.username}${url.password ? ':***' : ''}@` : '';
  return `${url.protocol}//${auth}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
