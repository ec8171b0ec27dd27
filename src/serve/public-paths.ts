// What the HTTP API may say about the file system: nothing absolute. A path inside the model
// directory is shown relative to it (`added_items.arrow`); any other absolute path is reduced to its
// last component (`sgfd-bm3`), which names the run or dataset without saying where it lives.
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';

/** `path` as the API may show it: relative to `modelDir` when inside it, else its last component. */
export function publicPath(path: string, modelDir: string): string {
  const root = resolve(modelDir);
  const abs = resolve(path);
  if (abs === root) return '.';
  if (abs.startsWith(root + sep)) return relative(root, abs);
  return basename(abs);
}

/** A copy of `value` (JSON data) with every absolute-path string made public (publicPath). */
export function publicJson<T>(value: T, modelDir: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return isAbsolute(v) && !v.includes('\n') ? publicPath(v, modelDir) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** Absolute POSIX paths inside a message: a slash-led run of path characters after a quote, space or start. */
const ABSOLUTE_IN_TEXT = /(^|[\s'"`(=])(\/[^\s'"`,;)]*)/g;

/** `message` with the absolute paths in it made public (publicPath). */
export function publicMessage(message: string, modelDir: string): string {
  return message.replace(ABSOLUTE_IN_TEXT, (_, before: string, path: string) => `${before}${publicPath(path.replace(/:$/, ''), modelDir)}${path.endsWith(':') ? ':' : ''}`);
}
