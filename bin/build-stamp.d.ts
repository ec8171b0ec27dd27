// Types of bin/build-stamp.js (plain JavaScript: it runs before any loader is registered).
export declare const ROOT: string;
export declare function sourceHash(root?: string): string;
export declare function currentBuild(root?: string): { cli: string; benchWorker: string } | null;
