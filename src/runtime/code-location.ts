// Where this code runs from and how it loads itself in new threads and processes. The CLI runs the
// compiled JavaScript in dist/ (`npm run build`, run by `npm install`) when it is current, else the
// TypeScript sources through tsx (bin/sgfd.js decides; bin/build-stamp.js). Compiled code loads its
// modules directly; the sources register tsx's loader inside each new worker or child process first
// (Node 20 passes module hooks to neither). tsx's loader costs ≈ 65 MB per process (issue 12).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when this is the compiled build (dist/src/runtime/code-location.js), false under tsx. */
export const COMPILED = import.meta.url.endsWith('.js');

/** A file of the project (package.json, pipelines/…) by its path from the repository root. */
export function projectFile(path: string): string {
  return fileURLToPath(new URL((COMPILED ? '../../../' : '../../') + path, import.meta.url));
}

/** The module `relative` ('./x.ts', as the sources name it) next to `base` (an import.meta.url), as this build names it. */
export function siblingModule(relative: string, base: string): URL {
  return new URL(COMPILED ? relative.replace(/\.ts$/, '.js') : relative, base);
}

/** ESM source that loads `module` in a new worker (eval) or process (`node -e`), with tsx's loader first under the sources. */
export function bootSource(module: URL): string {
  const load = `import(${JSON.stringify(module.href)})`;
  if (COMPILED) return load;
  return `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return ${load}; })`;
}

let version: string | null = null;
/** This library's version (package.json); 'unknown' if it cannot be read (never fails a write). */
export function libraryVersion(): string {
  if (version === null) {
    try {
      const v = (JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version?: unknown }).version;
      version = typeof v === 'string' ? v : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
