/** Set by vite.config.ts: where ORT's WASM runtime is served, versioned so it can be cached as immutable. */
declare const __ORT_BASE__: string;
